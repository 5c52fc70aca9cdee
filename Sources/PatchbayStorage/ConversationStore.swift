import Foundation

/// Where conversations and their messages are kept.
///
/// The HTTP routes talk to this protocol only. Two implementations ship, with the same semantics:
/// ``SQLiteConversationStore`` (one machine) and ``PostgresConversationStore`` (shared by several instances).
///
/// Every method throws a ``StorageError`` (compare its ``StorageError/code`` with `==`), except that a read
/// may throw `CancellationError` when the calling task is cancelled.
public protocol ConversationStore: Sendable {
    /// The conversation, or nil.
    func conversation(id: String) async throws -> Conversation?

    /// Creates a conversation (id chosen by the caller: a client may bring its own id), seeded with earlier messages
    /// (a widget's history for a conversation the server did not know).
    ///
    /// Throws a ``StorageError/Code/conflict`` error if the id exists.
    /// - Parameter owner: the id of the API key creating it, kept so that no other key can use it.
    func createConversation(id: String, assistantType: String, seed: [NewMessage], at: Date, owner: String?) async throws -> Conversation

    /// Appends one message and commits it durably before returning (the user's message is stored BEFORE the provider
    /// is called). Updates the conversation's `updatedAt` (activity).
    ///
    /// Throws a ``StorageError/Code/notFound`` error if the conversation does not exist.
    @discardableResult
    func append(_ message: NewMessage, to conversationID: String) async throws -> StoredMessage

    /// The messages that form the context sent to a provider: those after the conversation's context start
    /// (see ``resetContext(conversationID:at:)``), oldest first, at most `limit` (the most recent `limit`).
    func contextMessages(conversationID: String, limit: Int) async throws -> [StoredMessage]

    /// Replaces the conversation's provider-side state (nil: drops it). Does not count as activity.
    ///
    /// Throws a ``StorageError/Code/notFound`` error if the conversation does not exist, and an
    /// ``StorageError/Code/invalidArgument`` one for a state longer than ``ProviderState/maximumBytes``.
    func setProviderState(_ state: ProviderState?, conversationID: String) async throws

    /// Marks that messages before now are kept but no longer sent (an inactivity reset), and drops
    /// the provider-side state, which remembers those messages.
    ///
    /// Returns the updated conversation.
    func resetContext(conversationID: String, at: Date) async throws -> Conversation

    /// A page of a conversation's messages, oldest first: `page` is 1-based.
    func messages(conversationID: String, page: Int, limit: Int) async throws -> MessagePage

    /// Deletes a conversation and its messages; false if it did not exist.
    func deleteConversation(id: String) async throws -> Bool

    /// Counts for `/health`: total conversations, total messages, conversations active (updated) since `activeSince`.
    func statistics(activeSince: Date) async throws -> StoreStatistics
}

extension ConversationStore {
    /// Creates a conversation with no owner (authentication off).
    public func createConversation(id: String, assistantType: String, seed: [NewMessage], at: Date) async throws -> Conversation {
        try await createConversation(id: id, assistantType: assistantType, seed: seed, at: at, owner: nil)
    }
}

/// The limits every ``ConversationStore`` enforces on its arguments.
public enum ConversationStoreLimits {
    /// The longest conversation id accepted, in characters.
    public static let maximumIDLength = 128
    /// The largest `limit` accepted by paging and context reads.
    public static let maximumPageSize = 200
}
