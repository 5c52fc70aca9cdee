import Foundation
import GRDB
import Logging
import PostgresNIO

/// Copies a SQLite history into a PostgreSQL database (`patchbay migrate --from sqlite:… --to postgres:…`):
/// every conversation with its owner, context start and counts, every message with its id, status,
/// error code and usage. One transaction; the target must hold no conversations yet. Afterwards the
/// two are compared: counts, and a sample of conversations read back through both stores.
public enum HistoryCopy {
    /// What was copied and checked.
    public struct Report: Sendable, Equatable {
        /// Conversations copied.
        public var conversations: Int
        /// Messages copied.
        public var messages: Int
        /// Conversations compared field by field, messages included.
        public var sampled: Int
    }

    /// The copy failed or did not check out.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public var message: String
        /// The message.
        public var description: String { message }

        /// Creates a failure.
        public init(message: String) {
            self.message = message
        }
    }

    /// How many conversations are compared after the copy.
    public static let sampleSize = 20

    /// Copies `source` into `target` (migrated first; its pool must be running).
    public static func copy(from source: SQLiteConversationStore, to target: PostgresConversationStore) async throws -> Report {
        try await target.migrate()
        let (conversations, messages) = try await Self.readAll(source)
        try await target.bounded("copy the history", write: true) { [client = target.client, logger = target.logger] in
            try await client.withTransaction(logger: logger) { connection in
                let existing = try await connection.query("SELECT COUNT(*) FROM conversations", logger: logger).collect().first?.decode(Int.self) ?? 0
                guard existing == 0 else {
                    throw Failure(message: "the target database already holds \(existing) conversations; copy into an empty one")
                }
                for row in conversations {
                    try await connection.query(
                        """
                        INSERT INTO conversations (id, assistant_type, created_at, updated_at, context_started_at,
                            context_start_message_id, message_count, owner, provider_state, provider_state_provider)
                        VALUES (\(row.id), \(row.assistantType), \(row.createdAt), \(row.updatedAt), \(row.contextStartedAt),
                            \(row.contextStartMessageID), \(row.messageCount), \(row.owner), \(row.providerState), \(row.providerStateProvider))
                        """,
                        logger: logger
                    )
                }
                for message in messages {
                    let m = message.message
                    try await connection.query(
                        """
                        INSERT INTO messages (id, conversation_id, role, content, created_at, assistant_type, provider, model,
                            input_tokens, output_tokens, status, error_code)
                        VALUES (\(message.id), \(message.conversationID), \(m.role.rawValue), \(m.content),
                            \(try StorageDate.milliseconds(m.createdAt)), \(m.assistantType), \(m.provider), \(m.model),
                            \(m.usage.map { Int64($0.inputTokens) }), \(m.usage.map { Int64($0.outputTokens) }),
                            \(m.status.rawValue), \(m.errorCode))
                        """,
                        logger: logger
                    )
                }
                // New messages continue after the copied ids.
                try await connection.query(
                    "SELECT setval(pg_get_serial_sequence('messages', 'id'), GREATEST((SELECT MAX(id) FROM messages), 1))",
                    logger: logger
                )
            }
        }
        let sampled = try await Self.check(source: source, target: target, ids: conversations.map(\.id), messages: messages.count)
        return Report(conversations: conversations.count, messages: messages.count, sampled: sampled)
    }

    private struct ConversationRow: Sendable {
        var id: String
        var assistantType: String
        var createdAt: Int64
        var updatedAt: Int64
        var contextStartedAt: Int64?
        var contextStartMessageID: Int64
        var messageCount: Int
        var owner: String?
        var providerState: String?
        var providerStateProvider: String?
    }

    private static func readAll(_ source: SQLiteConversationStore) async throws -> ([ConversationRow], [StoredMessage]) {
        let conversations = try await source.readAllRows { db in
            try Row.fetchAll(db, sql: """
                SELECT id, assistant_type, created_at, updated_at, context_started_at, context_start_message_id, message_count, owner,
                    provider_state, provider_state_provider
                FROM conversations ORDER BY id
                """).map { row in
                ConversationRow(
                    id: row["id"], assistantType: row["assistant_type"], createdAt: row["created_at"], updatedAt: row["updated_at"],
                    contextStartedAt: row["context_started_at"], contextStartMessageID: row["context_start_message_id"],
                    messageCount: row["message_count"], owner: row["owner"],
                    providerState: row["provider_state"], providerStateProvider: row["provider_state_provider"]
                )
            }
        }
        let messages = try await source.allMessages()
        return (conversations, messages)
    }

    /// Counts, then a sample spread over the history: the conversation and its messages read back equal.
    private static func check(source: SQLiteConversationStore, target: PostgresConversationStore, ids: [String], messages: Int) async throws -> Int {
        let epoch = Date(timeIntervalSince1970: 0)
        let (from, to) = (try await source.statistics(activeSince: epoch), try await target.statistics(activeSince: epoch))
        guard from.totalConversations == to.totalConversations, from.totalMessages == to.totalMessages, to.totalMessages == messages else {
            throw Failure(message: "counts differ after the copy: SQLite \(from), PostgreSQL \(to)")
        }
        let step = max(1, ids.count / Self.sampleSize)
        let sample = stride(from: 0, to: ids.count, by: step).map { ids[$0] }
        for id in sample {
            let (original, copied) = (try await source.conversation(id: id), try await target.conversation(id: id))
            guard original == copied else { throw Failure(message: "conversation '\(id)' differs after the copy") }
            let pages = max(1, ((original?.messageCount ?? 0) + 199) / 200)
            for page in 1...pages {
                let a = try await source.messages(conversationID: id, page: page, limit: 200)
                let b = try await target.messages(conversationID: id, page: page, limit: 200)
                guard a == b else { throw Failure(message: "the messages of conversation '\(id)' differ after the copy (page \(page))") }
            }
            let a = try await source.contextMessages(conversationID: id, limit: ConversationStoreLimits.maximumPageSize)
            let b = try await target.contextMessages(conversationID: id, limit: ConversationStoreLimits.maximumPageSize)
            guard a == b else { throw Failure(message: "the context of conversation '\(id)' differs after the copy") }
        }
        return sample.count
    }
}
