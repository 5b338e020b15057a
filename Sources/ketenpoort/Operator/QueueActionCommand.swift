import Foundation
import KetenpoortCommandLine
import KetenpoortOperations
import KetenpoortStore

/// What `queue retry/hold/release` share: open the store, run the action (one message: one transaction), print the report.
enum QueueActionCommand {
    /// Opens the store read-write, applies `transition` to `target` and prints what changed.
    static func perform(_ transition: OperatorTransition, on target: ActionTarget, location: StoreLocationOptions,
                        operatorOptions: OperatorOptions, json: Bool) async throws {
        let operatorAction = try operatorOptions.action(for: transition.rawValue)
        let store = try await location.open(access: .readWrite)
        defer { try? store.close() }
        let report = try await QueueActionRunner(store: store, transition: transition, operatorAction: operatorAction).run(target)
        try print(report, json: json)
    }

    /// Prints `report` as a table of changed deliveries plus a count line, or as JSON.
    static func print(_ report: ActionReport, json: Bool) throws {
        if json {
            try Output.json(report)
            return
        }
        if !report.changed.isEmpty {
            var table = TextTable(["DELIVERY", "MESSAGE", "PARTNER", "FROM", "TO"], rightAligned: [0])
            for item in report.changed {
                table.add([String(item.delivery_id), item.message_id, item.partner, item.from, item.to])
            }
            Output.text(table.render())
        }
        let verb = OperatorTransition(rawValue: report.action)?.done ?? report.action
        Output.text("\(report.changed.count) delivery(ies) \(verb) by \(report.operator_name)")
    }
}
