import Foundation
import Logging
import PostgresNIO

extension PostgresConversationStore {
    /// The call did not finish within ``operationTimeout``.
    struct OperationTimedOut: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "PostgreSQL did not answer within \(timeout)" }
    }

    /// Runs `body` within ``operationTimeout``, turning whatever it throws into a ``StorageError``.
    ///
    /// A write runs in a task of its own, which the caller's cancellation does not reach: once asked
    /// for it is carried out (or times out), as SQLite's writer queue does. Awaiting it keeps it
    /// structured in effect: nothing outlives the call but the wait for the database.
    func bounded<T: Sendable>(_ action: String, write: Bool, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = self.operationTimeout
        do {
            if write {
                return try await Task { try await Self.within(timeout, body) }.value
            }
            return try await Self.within(timeout, body)
        } catch {
            if !write, Task.isCancelled { throw CancellationError() }
            throw Self.storageError(error, action: action)
        }
    }

    private static func within<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw OperationTimedOut(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A read in one REPEATABLE READ transaction: every statement sees the same snapshot.
    static func snapshot<T: Sendable>(
        _ client: PostgresClient, logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    static func storageError(_ error: any Error, action: String) -> any Error {
        switch error {
        case let error as StorageError:
            return error
        case let error as PostgresTransactionError:
            // What failed inside the transaction (a conflict, say), else BEGIN or COMMIT.
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            return cause.map { Self.storageError($0, action: action) } ?? StorageError.database("could not \(action)", error)
        case let error as PSQLError:
            return StorageError.database("could not \(action): \(Self.describe(error))", error)
        default:
            return StorageError.database("could not \(action): \(error)", error)
        }
    }

    /// A PostgreSQL error in words: its kind, the server's message and SQLSTATE, the connection's
    /// failure. Never the query's bound values (message texts) nor the connection's password.
    static func describe(_ error: PSQLError) -> String {
        var text = "PostgreSQL error \(error.code)"
        if let info = error.serverInfo {
            if let message = info[.message] { text += ": \(message)" }
            if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
        }
        if let underlying = error.underlying {
            if let pool = underlying as? PSQLError {
                text += "; \(Self.describe(pool))"
            } else {
                text += "; \(underlying)"
            }
        }
        return text
    }

    // MARK: Rows

    struct ConversationRecord {
        var conversation: Conversation
        var contextStartMessageID: Int64
    }

    static let messageColumns = """
        id, conversation_id, role, content, created_at, assistant_type, provider, model, \
        input_tokens, output_tokens, status, error_code
        """

    static func fetchConversation(_ connection: PostgresConnection, id: String, logger: Logger) async throws -> ConversationRecord? {
        let rows = try await connection.query(
            """
            SELECT id, assistant_type, created_at, updated_at, context_started_at, context_start_message_id, message_count, owner,
                provider_state, provider_state_provider
            FROM conversations WHERE id = \(id)
            """,
            logger: logger
        )
        // Collected, not streamed: the connection is free for the transaction's next statement.
        for row in try await rows.collect() {
            let (id, assistantType, createdAt, updatedAt, contextStartedAt, contextStart, count, owner, stateValue, stateProvider) =
                try row.decode((String, String, Int64, Int64, Int64?, Int64, Int, String?, String?, String?).self)
            return ConversationRecord(
                conversation: Conversation(
                    id: id,
                    assistantType: assistantType,
                    createdAt: StorageDate.date(milliseconds: createdAt),
                    updatedAt: StorageDate.date(milliseconds: updatedAt),
                    contextStartedAt: contextStartedAt.map(StorageDate.date(milliseconds:)),
                    messageCount: count,
                    owner: owner,
                    providerState: stateValue.flatMap { value in stateProvider.map { ProviderState(provider: $0, value: value) } }
                ),
                contextStartMessageID: contextStart
            )
        }
        return nil
    }

    @discardableResult
    static func insert(_ message: NewMessage, conversationID: String, _ connection: PostgresConnection, logger: Logger) async throws -> StoredMessage {
        let createdAt = try StorageDate.milliseconds(message.createdAt)
        let rows = try await connection.query(
            """
            INSERT INTO messages (conversation_id, role, content, created_at, assistant_type, provider, model,
                input_tokens, output_tokens, status, error_code)
            VALUES (\(conversationID), \(message.role.rawValue), \(message.content), \(createdAt), \(message.assistantType),
                \(message.provider), \(message.model), \(message.usage.map { Int64($0.inputTokens) }),
                \(message.usage.map { Int64($0.outputTokens) }), \(message.status.rawValue), \(message.errorCode))
            RETURNING id
            """,
            logger: logger
        )
        for row in try await rows.collect() {
            let id = try row.decode(Int64.self)
            var stored = StoredMessage(id: id, conversationID: conversationID, message: message)
            // Hand back the date as stored, so it equals the one read later.
            stored.createdAt = StorageDate.date(milliseconds: createdAt)
            return stored
        }
        throw StorageError.database("inserting a message returned no id")
    }

    static func storedMessages(_ rows: PostgresRowSequence) async throws -> [StoredMessage] {
        var messages: [StoredMessage] = []
        for row in try await rows.collect() {
            let (id, conversationID, roleName, content, createdAt, assistantType, provider, model, inputTokens, outputTokens, statusName, errorCode) =
                try row.decode((Int64, String, String, String, Int64, String?, String?, String?, Int64?, Int64?, String, String?).self)
            guard let role = MessageRole(rawValue: roleName), let status = MessageStatus(rawValue: statusName) else {
                throw StorageError.database("message \(id) has an unknown role '\(roleName)' or status '\(statusName)'")
            }
            var usage: TokenCounts?
            if let inputTokens, let outputTokens {
                usage = TokenCounts(inputTokens: Int(inputTokens), outputTokens: Int(outputTokens))
            }
            let message = NewMessage(
                role: role, content: content, createdAt: StorageDate.date(milliseconds: createdAt), assistantType: assistantType,
                provider: provider, model: model, usage: usage, status: status, errorCode: errorCode
            )
            messages.append(StoredMessage(id: id, conversationID: conversationID, message: message))
        }
        return messages
    }
}
