import Foundation
import KetenpoortCore

/// Example messages with a fresh lowercase UUID as BerichtId per request, sent as Politie Rotterdam.
struct BenchMessages: Sendable {
    /// One example split at its message id.
    struct Template: Sendable {
        /// The text before and after each occurrence of the id.
        let parts: [String]
        /// The partner the example routes to.
        let partner: String
    }

    /// The templates used in turn.
    let templates: [Template]

    /// The size of the first template's body in bytes.
    var typicalBytes: Int { templates.first.map { $0.parts.joined(separator: UUID().uuidString.lowercased()).utf8.count } ?? 0 }

    /// The ~10 KB zorgmelding (routes to vt-utrecht); with `mixed`, also the Rotterdam child zorgmelding (vt-rotterdam-rijnmond).
    static func load(senderOIN: String, mixed: Bool, path: String?) throws -> BenchMessages {
        var templates = [try template(path ?? "Examples/valid/zorgmelding-10kb.xml", id: "e90cfd32-b1b6-4b02-bb65-0e569e5503df",
                                      oin: "00000099000000000004", senderOIN: senderOIN, partner: "vt-utrecht")]
        if mixed {
            templates.append(try template("Examples/valid/zorgmelding-rotterdam-kind.xml", id: "aeb439a9-fb44-4be2-9471-5a41e62e72c1",
                                          oin: "00000099000000000001", senderOIN: senderOIN, partner: "vt-rotterdam-rijnmond"))
        }
        return BenchMessages(templates: templates)
    }

    private static func template(_ relative: String, id: String, oin: String, senderOIN: String, partner: String) throws -> Template {
        let path = FileManager.default.fileExists(atPath: relative) ? relative : (ResourceLocation.find(relative)?.path ?? relative)
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "<kop:OIN>\(oin)</kop:OIN>", with: "<kop:OIN>\(senderOIN)</kop:OIN>")
        let parts = text.components(separatedBy: id)
        guard parts.count >= 2 else { throw BenchError("\(path) does not contain the message id \(id)") }
        return Template(parts: parts, partner: partner)
    }

    /// Message number `index` with a fresh id; returns the id, the bytes and the partner it routes to.
    func make(_ index: Int) -> (id: String, body: Data, partner: String) {
        let template = templates[index % templates.count]
        let id = UUID().uuidString.lowercased()
        return (id, Data(template.parts.joined(separator: id).utf8), template.partner)
    }
}
