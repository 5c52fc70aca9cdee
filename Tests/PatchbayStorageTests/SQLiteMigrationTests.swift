import Foundation
import GRDB
import Testing

@testable import PatchbayStorage

@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    @Test("a database from before owners were kept gains the column; its conversations have no owner, new ones do")
    func ownerMigration() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("old.sqlite").path
            // The file as the previous release left it: only the first migration, and a conversation.
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator.migrate(queue, upTo: "v1-conversations-and-messages")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO conversations (id, assistant_type, created_at, updated_at) VALUES ('old', 'support', 0, 0)")
            }
            try queue.close()

            let store = try makeStore(at: path)
            #expect(try await store.appliedMigrations() == SQLiteSchema.migrationNames)
            let old = try #require(try await store.conversation(id: "old"))
            #expect(old.owner == nil && old.assistantType == "support")
            let owned = try await store.createConversation(id: "new", assistantType: "support", seed: [], at: date(1), owner: "alice")
            #expect(owned.owner == "alice")
            #expect(try await store.conversation(id: "new")?.owner == "alice")
        }
    }

    @Test("a database from before provider state gains it; state is kept with its provider, dropped by a reset, bounded in size")
    func providerStateMigration() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("v2.sqlite").path
            let queue = try DatabaseQueue(path: path)
            try SQLiteSchema.migrator.migrate(queue, upTo: "v2-conversation-owner")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO conversations (id, assistant_type, created_at, updated_at, owner) VALUES ('old', 'support', 0, 0, 'alice')")
            }
            try queue.close()

            let store = try makeStore(at: path)
            #expect(try await store.appliedMigrations() == SQLiteSchema.migrationNames)
            let old = try #require(try await store.conversation(id: "old"))
            #expect(old.providerState == nil && old.owner == "alice")

            let state = ProviderState(provider: "responses", value: "resp_1")
            try await store.setProviderState(state, conversationID: "old")
            #expect(try await store.conversation(id: "old")?.providerState == state)
            #expect(try await store.conversation(id: "old")?.updatedAt == old.updatedAt, "keeping state is not activity")
            _ = try await store.resetContext(conversationID: "old", at: date(5))
            #expect(try await store.conversation(id: "old")?.providerState == nil)

            let fits = ProviderState(provider: "responses", value: String(repeating: "s", count: ProviderState.maximumBytes))
            try await store.setProviderState(fits, conversationID: "old")
            #expect(try await store.conversation(id: "old")?.providerState == fits)
            await #expect(throws: StorageError.self) {
                try await store.setProviderState(ProviderState(provider: "responses", value: fits.value + "s"), conversationID: "old")
            }
            #expect(try await store.conversation(id: "old")?.providerState == fits)
            try await store.setProviderState(nil, conversationID: "old")
            #expect(try await store.conversation(id: "old")?.providerState == nil)
            await #expect(throws: StorageError.self) { try await store.setProviderState(state, conversationID: "missing") }
        }
    }
}
