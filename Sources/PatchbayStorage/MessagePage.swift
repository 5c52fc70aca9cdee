/// One page of a conversation's messages, oldest first.
public struct MessagePage: Sendable, Equatable {
    /// The messages on this page (empty past the last page).
    public var messages: [StoredMessage]
    /// The page asked for, 1-based.
    public var page: Int
    /// The page size asked for.
    public var limit: Int
    /// How many messages the conversation holds.
    public var total: Int
    /// How many pages of `limit` messages there are (0 for an empty conversation).
    public var pages: Int
    /// Whether a page follows this one.
    public var hasNext: Bool
    /// Whether a page comes before this one.
    public var hasPrevious: Bool

    /// Creates a page; `pages`, `hasNext` and `hasPrevious` follow from `page`, `limit` and `total`.
    public init(messages: [StoredMessage], page: Int, limit: Int, total: Int) {
        self.messages = messages
        self.page = page
        self.limit = limit
        self.total = total
        self.pages = limit > 0 ? total / limit + (total % limit == 0 ? 0 : 1) : 0
        self.hasNext = page < self.pages
        self.hasPrevious = page > 1
    }
}

/// Counts for `/health`.
public struct StoreStatistics: Sendable, Equatable {
    /// How many conversations are stored.
    public var totalConversations: Int
    /// How many messages are stored, in all conversations.
    public var totalMessages: Int
    /// How many conversations were updated at or after the date asked about.
    public var activeConversations: Int

    /// Creates statistics.
    public init(totalConversations: Int, totalMessages: Int, activeConversations: Int) {
        self.totalConversations = totalConversations
        self.totalMessages = totalMessages
        self.activeConversations = activeConversations
    }
}
