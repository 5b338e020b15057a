/// A plain-text table with left-aligned text columns and right-aligned number columns.
public struct TextTable {
    /// The column headings.
    public let headings: [String]
    /// Which columns are right-aligned.
    public let rightAligned: Set<Int>
    public private(set) var rows: [[String]] = []

    /// Creates an empty table; `rightAligned` holds the indices of numeric columns.
    public init(_ headings: [String], rightAligned: Set<Int> = []) {
        self.headings = headings
        self.rightAligned = rightAligned
    }

    /// Adds a row (missing cells are blank).
    public mutating func add(_ cells: [String]) {
        rows.append(cells + Array(repeating: "", count: max(0, headings.count - cells.count)))
    }

    /// The table as text, one line per row, columns two spaces apart.
    public func render() -> String {
        let all = [headings] + rows
        let widths = headings.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            headings.indices.map { column in
                let cell = row[column]
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
