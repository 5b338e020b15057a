/// Reads the `key=value` pairs of an audit record's detail (values may be `"quoted"` with `\` escapes).
public enum AuditDetail {
    /// The fields of a detail text; a later duplicate key wins.
    public static func fields(_ detail: String) -> [String: String] {
        var fields: [String: String] = [:]
        var index = detail.startIndex
        while index < detail.endIndex {
            while index < detail.endIndex, detail[index] == " " { index = detail.index(after: index) }
            guard let equals = detail[index...].firstIndex(of: "=") else { break }
            let key = String(detail[index..<equals])
            var cursor = detail.index(after: equals)
            var value = ""
            if cursor < detail.endIndex, detail[cursor] == "\"" {
                cursor = detail.index(after: cursor)
                while cursor < detail.endIndex, detail[cursor] != "\"" {
                    if detail[cursor] == "\\", detail.index(after: cursor) < detail.endIndex {
                        cursor = detail.index(after: cursor)
                    }
                    value.append(detail[cursor])
                    cursor = detail.index(after: cursor)
                }
                if cursor < detail.endIndex { cursor = detail.index(after: cursor) }
            } else {
                while cursor < detail.endIndex, detail[cursor] != " " {
                    value.append(detail[cursor])
                    cursor = detail.index(after: cursor)
                }
            }
            fields[key] = value
            index = cursor
        }
        return fields
    }
}
