import Foundation

/// Who wrote a message.
public enum MessageRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Instructions for the model.
    case system
    /// The person chatting.
    case user
    /// The model's reply.
    case assistant
}

/// How a message ended.
public enum MessageStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The message is whole.
    case complete
    /// The reply was cancelled part way: the message keeps its partial text.
    case cancelled
    /// The reply failed: `errorCode` says why, the content holds whatever arrived before.
    case error
}

/// Tokens a provider reported for one reply.
public struct TokenCounts: Sendable, Equatable, Hashable {
    /// Tokens in the prompt.
    public var inputTokens: Int
    /// Tokens in the reply.
    public var outputTokens: Int

    /// Creates token counts.
    public init(inputTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// A message: who wrote it, what, when, and how it ended. What ``ConversationStore/append(_:to:)``
/// stores, and what a ``StoredMessage`` holds besides the ids the store gives it.
public struct NewMessage: Sendable, Equatable {
    /// Who wrote it.
    public var role: MessageRole
    /// Its text (a cancelled reply's partial text, possibly empty).
    public var content: String
    /// When it was written. Stored in UTC to the millisecond.
    public var createdAt: Date
    /// The assistant that answered, for assistant messages.
    public var assistantType: String?
    /// The provider that produced it.
    public var provider: String?
    /// The model that produced it.
    public var model: String?
    /// The tokens the provider reported.
    public var usage: TokenCounts?
    /// How it ended.
    public var status: MessageStatus
    /// Why it failed, when `status` is `.error`.
    public var errorCode: String?

    /// Creates a message to store.
    public init(
        role: MessageRole,
        content: String,
        createdAt: Date,
        assistantType: String? = nil,
        provider: String? = nil,
        model: String? = nil,
        usage: TokenCounts? = nil,
        status: MessageStatus = .complete,
        errorCode: String? = nil
    ) {
        self.role = role
        self.content = content
        self.createdAt = createdAt
        self.assistantType = assistantType
        self.provider = provider
        self.model = model
        self.usage = usage
        self.status = status
        self.errorCode = errorCode
    }
}

/// A message as stored: the message, with the id that orders it within its conversation.
///
/// Reads through to the message's fields, so `stored.content` is `stored.message.content`.
@dynamicMemberLookup
public struct StoredMessage: Sendable, Equatable {
    /// The message's id: increases with every message stored and is never reused.
    public var id: Int64
    /// The conversation it belongs to.
    public var conversationID: String
    /// The message itself (its date as stored, to the millisecond).
    public var message: NewMessage

    /// Creates the stored form of a message.
    public init(id: Int64, conversationID: String, message: NewMessage) {
        self.id = id
        self.conversationID = conversationID
        self.message = message
    }

    /// The message's fields: `role`, `content`, `createdAt`, `usage`, `status`, …
    public subscript<Value>(dynamicMember field: WritableKeyPath<NewMessage, Value>) -> Value {
        get { self.message[keyPath: field] }
        set { self.message[keyPath: field] = newValue }
    }
}
