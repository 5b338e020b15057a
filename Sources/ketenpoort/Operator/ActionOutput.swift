import Foundation

/// Prints an action's report as a table of changed deliveries plus a count line, or as JSON.
enum ActionOutput {
    /// Prints `report`; `json` selects the machine form.
    static func print(_ report: ActionReport, json: Bool) throws {
        if json {
            try Output.json(report)
            return
        }
        if !report.changed.isEmpty {
            var table = TextTable(["DELIVERY", "MESSAGE", "PARTNER", "FROM", "TO"], rightAligned: [0])
            for item in report.changed {
                table.add([String(item.delivery_id), item.message_id, item.partner, item.from, item.to ?? "-"])
            }
            Output.text(table.render())
        }
        for item in report.skipped {
            Output.text("skipped delivery \(item.delivery_id): \(item.skipped_because ?? "changed meanwhile")")
        }
        let verb = QueueAction(rawValue: report.action)?.done ?? report.action
        Output.text("\(report.changed.count) delivery(ies) \(verb) by \(report.operator_name), \(report.skipped.count) skipped")
    }
}
