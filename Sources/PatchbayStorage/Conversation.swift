import Foundation

/// A conversation as stored: who it is for, when it was active, and where its provider context starts.
public struct Conversation: Sendable, Equatable {
    /// The conversation's id, chosen by the caller.
    public var id: String
    /// The assistant the conversation talks to.
    public var assistantType: String
    /// When the conversation was created.
    public var createdAt: Date
    /// The last activity: creation, or the latest message appended.
    public var updatedAt: Date
    /// When the context was last reset (messages stored before then are kept but no longer sent); nil if never reset.
    public var contextStartedAt: Date?
    /// How many messages the conversation holds, whether or not they are in the context.
    public var messageCount: Int
    /// The id of the API key that created it; nil when authentication was off then (or for a
    /// conversation stored before owners were kept).
    public var owner: String?
    /// The provider-side state the conversation's last reply left, with the provider it belongs
    /// to; nil when the last reply left none (or failed), or the context was reset since.
    public var providerState: ProviderState?

    /// Creates a conversation value.
    public init(
        id: String,
        assistantType: String,
        createdAt: Date,
        updatedAt: Date,
        contextStartedAt: Date? = nil,
        messageCount: Int = 0,
        owner: String? = nil,
        providerState: ProviderState? = nil
    ) {
        self.id = id
        self.assistantType = assistantType
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.contextStartedAt = contextStartedAt
        self.messageCount = messageCount
        self.owner = owner
        self.providerState = providerState
    }
}
