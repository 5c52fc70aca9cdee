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
}
