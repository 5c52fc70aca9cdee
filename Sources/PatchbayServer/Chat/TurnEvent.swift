import PatchbayPluginHost

/// One event of a turn, as every door sees it. A turn's events are deltas, then exactly one of
/// `finished` or `failed` — or nothing more, when the client went away.
public enum TurnEvent: Sendable, Equatable {
    /// A piece of the reply's text.
    case delta(String)
    /// The reply ended well.
    case finished(TurnSummary)
    /// The reply failed after it began (an error before the first delta is thrown by `start`).
    case failed(TurnError)
}

/// How a reply ended: the provider's reason and the last usage it reported.
public struct TurnSummary: Sendable, Equatable {
    /// Why the reply ended (`stop`, `length`, …), as the plugin said.
    public var finishReason: String?
    /// Token counts, if the provider reported them.
    public var usage: TokenUsage?
    /// The provider's handle on the stored conversation (ABI 1.2 state: an OpenAI response id),
    /// when the answering plugin keeps one and the turn is stored; seed 001's `threadId`.
    public var threadID: String? = nil
}

/// A whole reply, for doors that answer in one body.
public struct TurnReply: Sendable, Equatable {
    /// The reply's text.
    public var text: String
    /// How it ended.
    public var summary: TurnSummary
}
