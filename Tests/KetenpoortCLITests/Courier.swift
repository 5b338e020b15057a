import Foundation
import KetenpoortStore

/// Plays the daemon's courier against a store: leases due deliveries and records an outcome for each.
struct FakeCourier {
    /// The store (possibly a second connection to the same file).
    let store: any MessageStore
    /// The lease owner name.
    var owner = "test-courier"

    /// What happens to a leased delivery.
    enum Outcome {
        /// A receipt comes back.
        case deliver
        /// A retryable error; due again after `seconds`.
        case deferFor(TimeInterval)
        /// A permanent error.
        case fail
    }

    /// A receipt in the shape partners return (no personal data).
    static func receipt(for messageId: String) -> Data {
        Data("""
            <Ontvangstbevestiging xmlns="urn:nl:ketenpoort:ontvangstbevestiging:v1"><OntvangenBerichtId>\(messageId)</OntvangenBerichtId>\
            <OntvangstTijdstip>2026-11-23T10:00:00+01:00</OntvangstTijdstip><Status>ontvangen</Status></Ontvangstbevestiging>
            """.utf8)
    }

    /// Leases every due delivery matching `partner` (all when nil) and applies `outcome`; returns how many.
    @discardableResult
    func run(partner: String? = nil, _ outcome: Outcome, now: Date = Date()) async throws -> Int {
        let leased = try await store.leaseEveryPartner(owner: owner, perPartner: 1_000, leaseDuration: 60, now: now)
        var done = 0
        for item in leased {
            let delivery = item.delivery
            guard partner == nil || delivery.partner == partner else {
                _ = try await store.returnLease(delivery.id, owner: owner, token: item.token, now: now)
                continue
            }
            let later = now.addingTimeInterval(0.05)
            switch outcome {
            case .deliver:
                _ = try await store.deliver(delivery.id, owner: owner, token: item.token, receipt: Self.receipt(for: delivery.messageId), now: later)
            case .deferFor(let seconds):
                _ = try await store.deferDelivery(delivery.id, owner: owner, token: item.token, until: now.addingTimeInterval(seconds),
                                                  errorClass: .timeout, errorText: "no answer in 30 s", now: later)
            case .fail:
                _ = try await store.fail(delivery.id, owner: owner, token: item.token, errorClass: .httpPermanent, errorText: "HTTP 403", now: later)
            }
            done += 1
        }
        return done
    }
}
