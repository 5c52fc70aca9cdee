import Foundation
import GRDB
import Logging

/// A ``ConversationStore`` in one SQLite file, through a GRDB `DatabasePool`.
///
/// The file is in WAL mode: reads run in parallel on a few reader connections while one writer connection commits.
/// Every commit is synced to disk (`synchronous = FULL`), so a message is durable when ``append(_:to:)`` returns.
/// Database work runs on GRDB's own dispatch queues, never on the caller's thread or event loop.
///
/// Writes are carried out even if the calling task is cancelled while they wait: a request whose client went away
/// can still record its cancelled reply. Reads stop with `CancellationError` when their task is cancelled.
public final class SQLiteConversationStore: ConversationStore {
    /// How long a connection waits for a lock held by another process before failing.
    static let busyTimeout: TimeInterval = 5

    /// The file this store opened.
    public let path: String
    private let pool: DatabasePool
    private let logger: Logger

    /// Opens (creating folders as needed) the SQLite file at `path`, in WAL mode, with foreign keys on and a busy
    /// timeout set, and runs the schema migrations that this file has not run yet.
    ///
    /// This blocks while it opens and migrates: call it at start-up, not from an event loop.
    /// - Parameters:
    ///   - path: The database file. Its folder is created if missing.
    ///   - logger: Where the store reports opening and migrations.
    /// - Throws: A ``StorageError`` (`.invalidArgument` for an empty path, `.database` otherwise).
    public init(path: String, logger: Logger) throws {
        guard !path.isEmpty else {
            throw StorageError.invalidArgument("database path must not be empty")
        }
        self.path = path
        var logger = logger
        logger[metadataKey: "database"] = .string(path)
        self.logger = logger

        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StorageError.database("could not create the database folder '\(folder.path)'", error)
        }

        var configuration = Configuration()
        configuration.label = "patchbay.storage"
        configuration.foreignKeysEnabled = true  // ON DELETE CASCADE depends on it
        configuration.busyMode = .timeout(Self.busyTimeout)
        do {
            // A pool always puts the file in WAL mode.
            self.pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB picks NORMAL for WAL, which may lose the last commits on power loss; FULL syncs each commit.
            // The pragma belongs to a connection, and the pool has a single writer connection.
            try self.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }

            let migrator = SQLiteSchema.migrator
            let (applied, superseded) = try self.pool.read { db in
                (try migrator.appliedIdentifiers(db), try migrator.hasBeenSuperseded(db))
            }
            if superseded {
                logger.warning("database schema is newer than this version of Patchbay knows")
            }
            let pending = SQLiteSchema.migrationNames.filter { !applied.contains($0) }
            try migrator.migrate(self.pool)
            if !pending.isEmpty {
                logger.info("applied database migrations", metadata: ["migrations": .string(pending.joined(separator: ","))])
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.database("could not open the database at '\(path)'", error)
        }
        logger.info("conversation store opened")
    }

    /// Closes the database connections. Later calls throw a `.database` error.
    ///
    /// Dropping the store closes it too; this is for an orderly shutdown that wants to see errors.
    /// It blocks until running database work ends: do not call it from an event loop.
    public func close() throws {
        do {
            try self.pool.close()
        } catch {
            throw StorageError.database("could not close the database", error)
        }
        self.logger.info("conversation store closed")
    }

    // MARK: ConversationStore

    public func conversation(id: String) async throws -> Conversation? {
        try Validation.conversationID(id)
        return try await self.read("read conversation '\(id)'") { db in
            try Self.fetchConversation(db, id: id)?.conversation
        }
    }

    public func createConversation(id: String, assistantType: String, seed: [NewMessage], at: Date, owner: String?) async throws -> Conversation {
        try Validation.conversationID(id)
        try Validation.assistantType(assistantType)
        let createdAt = try StorageDate.milliseconds(at, name: "conversation date")
        for message in seed {
            try Validation.message(message)
        }
        let created = try await self.write("create conversation '\(id)'") { db in
            // The single writer makes this check and the insert one step: no other write can come between.
            if try Self.fetchConversation(db, id: id) != nil {
                throw StorageError(code: .conflict, message: "conversation '\(id)' already exists")
            }
            // Seeded history may be newer than `at`; activity is the latest of them.
            let updatedAt = try seed.reduce(createdAt) { try max($0, StorageDate.milliseconds($1.createdAt)) }
            try db.execute(
                sql: """
                    INSERT INTO conversations (id, assistant_type, created_at, updated_at, message_count, owner)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, assistantType, createdAt, updatedAt, seed.count, owner]
            )
            for message in seed {
                try Self.insert(message, conversationID: id, db)
            }
            guard let conversation = try Self.fetchConversation(db, id: id) else {
                throw StorageError.database("conversation '\(id)' vanished while being created")
            }
            return conversation.conversation
        }
        self.logger.debug("conversation created", metadata: ["conversation_id": .string(id), "seeded": .stringConvertible(seed.count)])
        return created
    }

    @discardableResult
    public func append(_ message: NewMessage, to conversationID: String) async throws -> StoredMessage {
        try Validation.conversationID(conversationID)
        try Validation.message(message)
        return try await self.write("append a message to conversation '\(conversationID)'") { db in
            try db.execute(
                sql: """
                    UPDATE conversations
                    SET message_count = message_count + 1, updated_at = MAX(updated_at, ?)
                    WHERE id = ?
                    """,
                arguments: [try StorageDate.milliseconds(message.createdAt), conversationID]
            )
            guard db.changesCount > 0 else {
                throw StorageError.notFound(conversationID: conversationID)
            }
            return try Self.insert(message, conversationID: conversationID, db)
        }
    }

    public func contextMessages(conversationID: String, limit: Int) async throws -> [StoredMessage] {
        try Validation.conversationID(conversationID)
        try Validation.limit(limit)
        return try await self.read("read the context of conversation '\(conversationID)'") { db in
            guard let conversation = try Self.fetchConversation(db, id: conversationID) else {
                throw StorageError.notFound(conversationID: conversationID)
            }
            // The newest `limit` after the context start, walking the index backwards, then put oldest first.
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (
                        SELECT \(Self.messageColumns) FROM messages
                        WHERE conversation_id = ? AND id > ?
                        ORDER BY id DESC LIMIT ?
                    ) ORDER BY id
                    """,
                arguments: [conversationID, conversation.contextStartMessageID, limit]
            ).map(Self.storedMessage(row:))
        }
    }

    /// Marks that messages stored before now are kept but no longer sent.
    ///
    /// The boundary is the last message stored when the reset commits, not a timestamp: a message appended after the
    /// reset is in the context even if its `createdAt` is earlier than `at` (clocks and request timing differ).
    /// A reset is not activity: `updatedAt` does not change.
    public func resetContext(conversationID: String, at: Date) async throws -> Conversation {
        try Validation.conversationID(conversationID)
        let resetAt = try StorageDate.milliseconds(at, name: "reset date")
        return try await self.write("reset the context of conversation '\(conversationID)'") { db in
            try db.execute(
                sql: """
                    UPDATE conversations
                    SET context_started_at = ?, provider_state = NULL, provider_state_provider = NULL,
                        context_start_message_id = COALESCE(
                            (SELECT MAX(id) FROM messages WHERE conversation_id = conversations.id),
                            context_start_message_id
                        )
                    WHERE id = ?
                    """,
                arguments: [resetAt, conversationID]
            )
            guard db.changesCount > 0, let conversation = try Self.fetchConversation(db, id: conversationID) else {
                throw StorageError.notFound(conversationID: conversationID)
            }
            return conversation.conversation
        }
    }

    public func setProviderState(_ state: ProviderState?, conversationID: String) async throws {
        try Validation.conversationID(conversationID)
        try Validation.providerState(state)
        try await self.write("keep the provider state of conversation '\(conversationID)'") { db in
            try db.execute(
                sql: "UPDATE conversations SET provider_state = ?, provider_state_provider = ? WHERE id = ?",
                arguments: [state?.value, state?.provider, conversationID]
            )
            guard db.changesCount > 0 else {
                throw StorageError.notFound(conversationID: conversationID)
            }
        }
    }

    public func messages(conversationID: String, page: Int, limit: Int) async throws -> MessagePage {
        try Validation.conversationID(conversationID)
        try Validation.page(page)
        try Validation.limit(limit)
        return try await self.read("read messages of conversation '\(conversationID)'") { db in
            // One read transaction: the count and the page come from the same snapshot.
            guard let conversation = try Self.fetchConversation(db, id: conversationID) else {
                throw StorageError.notFound(conversationID: conversationID)
            }
            let total = conversation.conversation.messageCount
            let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
            guard !overflow, offset < total else {
                return MessagePage(messages: [], page: page, limit: limit, total: total)
            }
            let messages = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.messageColumns) FROM messages WHERE conversation_id = ? ORDER BY id LIMIT ? OFFSET ?",
                arguments: [conversationID, limit, offset]
            ).map(Self.storedMessage(row:))
            return MessagePage(messages: messages, page: page, limit: limit, total: total)
        }
    }

    public func deleteConversation(id: String) async throws -> Bool {
        try Validation.conversationID(id)
        let deleted = try await self.write("delete conversation '\(id)'") { db in
            // Its messages go with it: ON DELETE CASCADE.
            try db.execute(sql: "DELETE FROM conversations WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
        if deleted {
            self.logger.debug("conversation deleted", metadata: ["conversation_id": .string(id)])
        }
        return deleted
    }

    public func statistics(activeSince: Date) async throws -> StoreStatistics {
        let since = try StorageDate.milliseconds(activeSince, name: "activeSince")
        return try await self.read("read statistics") { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT
                        (SELECT COUNT(*) FROM conversations) AS conversations,
                        (SELECT COUNT(*) FROM messages) AS messages,
                        (SELECT COUNT(*) FROM conversations WHERE updated_at >= ?) AS active
                    """,
                arguments: [since]
            )
            guard let row else {
                throw StorageError.database("statistics query returned no row")
            }
            return StoreStatistics(
                totalConversations: try row.decode(forColumn: "conversations"),
                totalMessages: try row.decode(forColumn: "messages"),
                activeConversations: try row.decode(forColumn: "active")
            )
        }
    }

    // MARK: For tests

    /// The value of a pragma, as the writer connection (`onWriter`) or a reader connection sees it.
    func pragma(_ name: String, onWriter: Bool = false) async throws -> String? {
        let sql = "PRAGMA \(name)"
        if onWriter {
            return try await self.pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: sql) }
        }
        return try await self.pool.read { db in try String.fetchOne(db, sql: sql) }
    }

    /// The migrations this file has run.
    func appliedMigrations() async throws -> [String] {
        try await self.pool.read { db in try SQLiteSchema.migrator.appliedMigrations(db) }
    }

    // MARK: For copying (HistoryCopy)

    /// Rows read in one read transaction.
    func readAllRows<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await self.read("read the history", body)
    }

    /// Every message, in id order.
    func allMessages() async throws -> [StoredMessage] {
        try await self.read("read every message") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.messageColumns) FROM messages ORDER BY id").map(Self.storedMessage(row:))
        }
    }

    // MARK: Database access

    private func read<T: Sendable>(_ action: String, _ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await self.pool.read(value)
        } catch {
            throw Self.storageError(error, action: action)
        }
    }

    private func write<T: Sendable>(_ action: String, _ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // GRDB's async `write` aborts when the calling task is cancelled. Its callback form runs on
        // the writer queue regardless: once asked for, a write is carried out, so a request whose
        // client went away still records its cancelled reply (and no unstructured task is needed).
        do {
            return try await withCheckedThrowingContinuation { continuation in
                self.pool.asyncWrite(updates) { _, result in continuation.resume(with: result) }
            }
        } catch {
            throw Self.storageError(error, action: action)
        }
    }

    private static func storageError(_ error: any Error, action: String) -> any Error {
        switch error {
        case let error as StorageError:
            return error
        case is CancellationError:
            return error
        case let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY:
            // Another process inserted the same conversation id between our check and our insert.
            return StorageError(code: .conflict, message: "could not \(action): the id already exists", underlyingError: error)
        default:
            return StorageError.database("could not \(action)", error)
        }
    }

    // MARK: Rows

    private struct ConversationRecord {
        var conversation: Conversation
        var contextStartMessageID: Int64
    }

    private static let messageColumns = """
        id, conversation_id, role, content, created_at, assistant_type, provider, model, \
        input_tokens, output_tokens, status, error_code
        """

    private static func fetchConversation(_ db: Database, id: String) throws -> ConversationRecord? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, assistant_type, created_at, updated_at, context_started_at, context_start_message_id,
                        message_count, owner, provider_state, provider_state_provider
                    FROM conversations WHERE id = ?
                    """,
                arguments: [id]
            )
        else {
            return nil
        }
        let contextStartedAt: Int64? = try row.decode(forColumn: "context_started_at")
        let stateValue: String? = try row.decode(forColumn: "provider_state")
        let stateProvider: String? = try row.decode(forColumn: "provider_state_provider")
        return ConversationRecord(
            conversation: Conversation(
                id: try row.decode(forColumn: "id"),
                assistantType: try row.decode(forColumn: "assistant_type"),
                createdAt: StorageDate.date(milliseconds: try row.decode(forColumn: "created_at")),
                updatedAt: StorageDate.date(milliseconds: try row.decode(forColumn: "updated_at")),
                contextStartedAt: contextStartedAt.map(StorageDate.date(milliseconds:)),
                messageCount: try row.decode(forColumn: "message_count"),
                owner: try row.decode(forColumn: "owner"),
                providerState: stateValue.flatMap { value in stateProvider.map { ProviderState(provider: $0, value: value) } }
            ),
            contextStartMessageID: try row.decode(forColumn: "context_start_message_id")
        )
    }

    @discardableResult
    private static func insert(_ message: NewMessage, conversationID: String, _ db: Database) throws -> StoredMessage {
        let createdAt = try StorageDate.milliseconds(message.createdAt)
        try db.execute(
            sql: """
                INSERT INTO messages (conversation_id, role, content, created_at, assistant_type, provider, model,
                    input_tokens, output_tokens, status, error_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                conversationID, message.role.rawValue, message.content, createdAt, message.assistantType,
                message.provider, message.model, message.usage?.inputTokens, message.usage?.outputTokens,
                message.status.rawValue, message.errorCode,
            ]
        )
        var stored = StoredMessage(id: db.lastInsertedRowID, conversationID: conversationID, message: message)
        // Hand back the date as stored, so it equals the one read later.
        stored.createdAt = StorageDate.date(milliseconds: createdAt)
        return stored
    }

    private static func storedMessage(row: Row) throws -> StoredMessage {
        let id: Int64 = try row.decode(forColumn: "id")
        let roleName: String = try row.decode(forColumn: "role")
        let statusName: String = try row.decode(forColumn: "status")
        guard let role = MessageRole(rawValue: roleName), let status = MessageStatus(rawValue: statusName) else {
            throw StorageError.database("message \(id) has an unknown role '\(roleName)' or status '\(statusName)'")
        }
        let inputTokens: Int? = try row.decode(forColumn: "input_tokens")
        let outputTokens: Int? = try row.decode(forColumn: "output_tokens")
        var usage: TokenCounts?
        if let inputTokens, let outputTokens {
            usage = TokenCounts(inputTokens: inputTokens, outputTokens: outputTokens)
        }
        let message = NewMessage(
            role: role,
            content: try row.decode(forColumn: "content"),
            createdAt: StorageDate.date(milliseconds: try row.decode(forColumn: "created_at")),
            assistantType: try row.decode(forColumn: "assistant_type"),
            provider: try row.decode(forColumn: "provider"),
            model: try row.decode(forColumn: "model"),
            usage: usage,
            status: status,
            errorCode: try row.decode(forColumn: "error_code")
        )
        return StoredMessage(id: id, conversationID: try row.decode(forColumn: "conversation_id"), message: message)
    }
}
