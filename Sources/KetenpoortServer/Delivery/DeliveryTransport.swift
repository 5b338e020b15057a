import Foundation

/// Sends one signed message to a partner and classifies the answer; ``Courier`` is the mutual-TLS implementation.
public protocol DeliveryTransport: Sendable {
    /// One delivery attempt; never throws, every failure is classified. Ends early if the task is cancelled.
    func deliver(_ payload: Data, messageId: String, to partner: PartnerRoute) async -> CourierOutcome
}
