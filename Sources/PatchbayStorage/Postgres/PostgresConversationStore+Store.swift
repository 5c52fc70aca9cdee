import Foundation
import Logging
import PostgresNIO

extension PostgresConversationStore {
    public func conversation(id: String) async throws -> Conversation? {
        try Validation.conversationID(id)
        return try await self.bounded("read conversation '\(id)'", write: false) { [client = self.client, logger = self.logger] in
            try await client.withConnection { connection in
                try await Self.fetchConversation(connection, id: id, logger: logger)?.conversation
            }
        }
    }

    public func createConversation(id: String, assistantType: String, seed: [NewMessage], at: Date, owner: String?) async throws -> Conversation {
        try Validation.conversationID(id)
        try Validation.assistantType(assistantType)
        let createdAt = try StorageDate.milliseconds(at, name: "conversation date")
        for message in seed {
            try Validation.message(message)
        }
        // Seeded history may be newer than `at`; activity is the latest of them.
        let updatedAt = try seed.reduce(createdAt) { try max($0, StorageDate.milliseconds($1.createdAt)) }
        let created = try await self.bounded("create conversation '\(id)'", write: true) { [client = self.client, logger = self.logger] in
            try await client.withTransaction(logger: logger) { connection in
                let inserted = try await connection.query(
                    """
                    INSERT INTO conversations (id, assistant_type, created_at, updated_at, message_count, owner)
                    VALUES (\(id), \(assistantType), \(createdAt), \(updatedAt), \(seed.count), \(owner))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """,
                    logger: logger
                ).collect()
                guard !inserted.isEmpty else {
                    throw StorageError(code: .conflict, message: "conversation '\(id)' already exists")
                }
                for message in seed {
                    try await Self.insert(message, conversationID: id, connection, logger: logger)
                }
                guard let conversation = try await Self.fetchConversation(connection, id: id, logger: logger) else {
                    throw StorageError.database("conversation '\(id)' vanished while being created")
                }
                return conversation.conversation
            }
        }
        self.logger.debug("conversation created", metadata: ["conversation_id": .string(id), "seeded": .stringConvertible(seed.count)])
        return created
    }

    @discardableResult
    public func append(_ message: NewMessage, to conversationID: String) async throws -> StoredMessage {
        try Validation.conversationID(conversationID)
        try Validation.message(message)
        let createdAt = try StorageDate.milliseconds(message.createdAt)
        return try await self.bounded("append a message to conversation '\(conversationID)'", write: true) { [client = self.client, logger = self.logger] in
            try await client.withTransaction(logger: logger) { connection in
                // The update locks the conversation's row until commit: appends to one conversation take
                // their ids in the order they commit, so pages follow storage order.
                let updated = try await connection.query(
                    """
                    UPDATE conversations SET message_count = message_count + 1, updated_at = GREATEST(updated_at, \(createdAt))
                    WHERE id = \(conversationID) RETURNING id
                    """,
                    logger: logger
                ).collect()
                guard !updated.isEmpty else {
                    throw StorageError.notFound(conversationID: conversationID)
                }
                return try await Self.insert(message, conversationID: conversationID, connection, logger: logger)
            }
        }
    }

    public func contextMessages(conversationID: String, limit: Int) async throws -> [StoredMessage] {
        try Validation.conversationID(conversationID)
        try Validation.limit(limit)
        return try await self.bounded("read the context of conversation '\(conversationID)'", write: false) { [client = self.client, logger = self.logger] in
            try await Self.snapshot(client, logger: logger) { connection in
                guard let conversation = try await Self.fetchConversation(connection, id: conversationID, logger: logger) else {
                    throw StorageError.notFound(conversationID: conversationID)
                }
                let rows = try await connection.query(
                    """
                    SELECT * FROM (
                        SELECT \(unescaped: Self.messageColumns) FROM messages
                        WHERE conversation_id = \(conversationID) AND id > \(conversation.contextStartMessageID)
                        ORDER BY id DESC LIMIT \(limit)
                    ) AS recent ORDER BY id
                    """,
                    logger: logger
                )
                return try await Self.storedMessages(rows)
            }
        }
    }

    /// Marks that messages stored before now are kept but no longer sent: the boundary is the last
    /// message stored when the reset commits, and a reset is not activity (see ``SQLiteConversationStore``).
    public func resetContext(conversationID: String, at: Date) async throws -> Conversation {
        try Validation.conversationID(conversationID)
        let resetAt = try StorageDate.milliseconds(at, name: "reset date")
        return try await self.bounded("reset the context of conversation '\(conversationID)'", write: true) { [client = self.client, logger = self.logger] in
            try await client.withTransaction(logger: logger) { connection in
                // Lock first, then read the last id in a statement of its own: it then sees every append
                // that committed before the lock was granted.
                let locked = try await connection.query("SELECT id FROM conversations WHERE id = \(conversationID) FOR UPDATE", logger: logger).collect()
                guard !locked.isEmpty else {
                    throw StorageError.notFound(conversationID: conversationID)
                }
                try await connection.query(
                    """
                    UPDATE conversations
                    SET context_started_at = \(resetAt), provider_state = NULL, provider_state_provider = NULL,
                        context_start_message_id = COALESCE(
                            (SELECT MAX(id) FROM messages WHERE conversation_id = conversations.id), context_start_message_id
                        )
                    WHERE id = \(conversationID)
                    """,
                    logger: logger
                )
                guard let conversation = try await Self.fetchConversation(connection, id: conversationID, logger: logger) else {
                    throw StorageError.notFound(conversationID: conversationID)
                }
                return conversation.conversation
            }
        }
    }

    public func setProviderState(_ state: ProviderState?, conversationID: String) async throws {
        try Validation.conversationID(conversationID)
        try Validation.providerState(state)
        try await self.bounded("keep the provider state of conversation '\(conversationID)'", write: true) { [client = self.client, logger = self.logger] in
            let updated = try await client.query(
                """
                UPDATE conversations SET provider_state = \(state?.value), provider_state_provider = \(state?.provider)
                WHERE id = \(conversationID) RETURNING id
                """,
                logger: logger
            ).collect()
            guard !updated.isEmpty else {
                throw StorageError.notFound(conversationID: conversationID)
            }
        }
    }

    public func messages(conversationID: String, page: Int, limit: Int) async throws -> MessagePage {
        try Validation.conversationID(conversationID)
        try Validation.page(page)
        try Validation.limit(limit)
        return try await self.bounded("read messages of conversation '\(conversationID)'", write: false) { [client = self.client, logger = self.logger] in
            // One snapshot: the count and the page agree.
            try await Self.snapshot(client, logger: logger) { connection in
                guard let conversation = try await Self.fetchConversation(connection, id: conversationID, logger: logger) else {
                    throw StorageError.notFound(conversationID: conversationID)
                }
                let total = conversation.conversation.messageCount
                let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
                guard !overflow, offset < total else {
                    return MessagePage(messages: [], page: page, limit: limit, total: total)
                }
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.messageColumns) FROM messages WHERE conversation_id = \(conversationID)
                    ORDER BY id LIMIT \(limit) OFFSET \(offset)
                    """,
                    logger: logger
                )
                return MessagePage(messages: try await Self.storedMessages(rows), page: page, limit: limit, total: total)
            }
        }
    }

    public func deleteConversation(id: String) async throws -> Bool {
        try Validation.conversationID(id)
        let deleted = try await self.bounded("delete conversation '\(id)'", write: true) { [client = self.client, logger = self.logger] in
            // Its messages go with it: ON DELETE CASCADE.
            let rows = try await client.query("DELETE FROM conversations WHERE id = \(id) RETURNING id", logger: logger).collect()
            return !rows.isEmpty
        }
        if deleted {
            self.logger.debug("conversation deleted", metadata: ["conversation_id": .string(id)])
        }
        return deleted
    }

    public func statistics(activeSince: Date) async throws -> StoreStatistics {
        let since = try StorageDate.milliseconds(activeSince, name: "activeSince")
        return try await self.bounded("read statistics", write: false) { [client = self.client, logger = self.logger] in
            let rows = try await client.query(
                """
                SELECT
                    (SELECT COUNT(*) FROM conversations),
                    (SELECT COUNT(*) FROM messages),
                    (SELECT COUNT(*) FROM conversations WHERE updated_at >= \(since))
                """,
                logger: logger
            )
            for row in try await rows.collect() {
                let (conversations, messages, active) = try row.decode((Int, Int, Int).self)
                return StoreStatistics(totalConversations: conversations, totalMessages: messages, activeConversations: active)
            }
            throw StorageError.database("statistics query returned no row")
        }
    }
}
