import Foundation
import Testing

@testable import PatchbayStorage

@Suite("The SQLite file")
struct SQLiteFileTests {
    @Test("data survives a restart: drop the store, open a new one on the same file")
    func survivesRestart() async throws {
        try await withTemporaryFolder { folder in
            // Folders that do not exist yet are created.
            let path = folder.appendingPathComponent("data/nested/patchbay.sqlite").path

            // The first "server run": the store lives only inside this function.
            func firstRun() async throws -> (Conversation, [StoredMessage]) {
                let store = try makeStore(at: path)
                _ = try await store.createConversation(id: "persist", assistantType: "support", seed: [userMessage("seeded", at: 1)], at: date(0))
                let reply = NewMessage(
                    role: .assistant, content: "partial", createdAt: date(2.5), assistantType: "support", provider: "openai",
                    model: "gpt", usage: TokenCounts(inputTokens: 3, outputTokens: 4), status: .cancelled
                )
                try await store.append(reply, to: "persist")
                let reset = try await store.resetContext(conversationID: "persist", at: date(3))
                #expect(reset.contextStartedAt == date(3))
                try await store.append(userMessage("after reset", at: 4), to: "persist")
                let messages = try await store.messages(conversationID: "persist", page: 1, limit: 10).messages
                return (try #require(try await store.conversation(id: "persist")), messages)
            }
            let (conversation, messages) = try await firstRun()
            #expect(messages.count == 3)
            // The last connection closed cleanly: SQLite checkpointed and removed the WAL file.
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

            let store = try makeStore(at: path)
            #expect(try await store.conversation(id: "persist") == conversation)
            #expect(conversation.contextStartedAt == date(3))
            #expect(try await store.messages(conversationID: "persist", page: 1, limit: 10).messages == messages)
            #expect(try await store.contextMessages(conversationID: "persist", limit: 10).map(\.content) == ["after reset"])
            #expect(try await store.appliedMigrations() == SQLiteSchema.migrationNames, "migrations run once")

            // Ids keep increasing after the restart.
            let next = try await store.append(userMessage("second run", at: 5), to: "persist")
            #expect(next.id > messages.map(\.id).max()!)
        }
    }

    @Test("an explicitly closed store refuses work; the file reopens intact")
    func close() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("patchbay.sqlite").path
            let store = try makeStore(at: path)
            _ = try await store.createConversation(id: "c", assistantType: "a", seed: [userMessage("kept")], at: date(0))
            try store.close()
            await expectStorageError(.database) { try await store.append(userMessage("lost"), to: "c") }
            await expectStorageError(.database) { try await store.conversation(id: "c") }

            let reopened = try makeStore(at: path)
            #expect(try await reopened.messages(conversationID: "c", page: 1, limit: 10).messages.map(\.content) == ["kept"])
        }
    }

    @Test("WAL mode, foreign keys, full sync and a busy timeout are on")
    func pragmas() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("patchbay.sqlite").path
            do {
                let store = try makeStore(at: path)
                #expect(try await store.pragma("journal_mode") == "wal")
                #expect(try await store.pragma("journal_mode", onWriter: true) == "wal")
                #expect(try await store.pragma("foreign_keys") == "1")
                #expect(try await store.pragma("foreign_keys", onWriter: true) == "1")
                #expect(try await store.pragma("synchronous", onWriter: true) == "2", "FULL: every commit is synced")
                #expect(try await store.pragma("busy_timeout", onWriter: true) == "5000")
                _ = try await store.createConversation(id: "c", assistantType: "a", seed: [], at: date(0))
                #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            }
            // The file itself says WAL: header bytes 18 and 19 (write and read versions) are 2.
            let header = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 100)
            #expect(header.count == 100)
            #expect(header.prefix(16) == Data("SQLite format 3\0".utf8))
            #expect(header[18] == 2 && header[19] == 2)
        }
    }

    @Test("opening fails clearly on a bad path")
    func badPath() async throws {
        try await withTemporaryFolder { folder in
            let error = #expect(throws: StorageError.self) { try makeStore(at: folder.path) }  // a folder, not a file
            #expect(error?.code == .database)
            #expect(error?.underlyingError != nil)
            #expect((#expect(throws: StorageError.self) { try makeStore(at: "") })?.code == .invalidArgument)
        }
    }

    @Test("a write asked for by a cancelled task is still committed; a cancelled read stops", arguments: StoreEngine.allCases)
    func cancellation(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "c", assistantType: "a", seed: [], at: date(0))
            let stored = try await Task {
                withUnsafeCurrentTask { $0?.cancel() }
                #expect(Task.isCancelled)
                let reply = NewMessage(role: .assistant, content: "half an ans", createdAt: date(1), status: .cancelled)
                return try await store.append(reply, to: "c")
            }.value
            #expect(try await store.messages(conversationID: "c", page: 1, limit: 10).messages == [stored])

            let read = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await store.contextMessages(conversationID: "c", limit: 10)
            }
            await #expect(throws: CancellationError.self) { try await read.value }
        }
    }
}
