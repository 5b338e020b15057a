import Foundation

/// What the endpoint answers to one delivery, plus what it logs about it (ids and codes only).
struct PartnerAnswer: Sendable {
    /// How the answer is sent.
    enum Form: Sendable {
        /// 200 with a signed receipt.
        case receipt(Data)
        /// An HTTP error status with a short text (codes only, never content).
        case status(Int, String)
        /// Close the connection without answering.
        case drop
    }

    /// The answer.
    let form: Form
    /// The delivered message's id, if it could be read.
    let messageId: String?
    /// `ontvangen`, `dubbel-ontvangen`, `geweigerd`, `afgewezen` (no receipt), `fout` or `verbroken`.
    let outcome: String
    /// A reason code (receipt reason, finding or signature code), if any.
    let reason: String?
}
