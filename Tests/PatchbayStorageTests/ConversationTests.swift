import Foundation
import Testing

@testable import PatchbayStorage

@Suite("Conversations and messages")
struct ConversationTests {
    @Test("create, append and read back every field", arguments: StoreEngine.allCases)
    func everyFieldRoundTrips(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let seed = [
                NewMessage(role: .system, content: "Be brief.", createdAt: date(-20)),
                NewMessage(role: .user, content: "Hello 👋\nsecond line", createdAt: date(-10.5)),
            ]
            let created = try await store.createConversation(id: "conv-1", assistantType: "support", seed: seed, at: date(0))
            #expect(
                created
                    == Conversation(id: "conv-1", assistantType: "support", createdAt: date(0), updatedAt: date(0), contextStartedAt: nil, messageCount: 2)
            )

            let reply = NewMessage(
                role: .assistant,
                content: "Hi! How can I help?",
                createdAt: date(1.234),
                assistantType: "support",
                provider: "openai",
                model: "gpt-4o-mini",
                usage: TokenCounts(inputTokens: 42, outputTokens: 7),
                status: .complete,
                errorCode: nil
            )
            let stored = try await store.append(reply, to: "conv-1")
            #expect(stored.conversationID == "conv-1")
            #expect(stored == StoredMessage(id: stored.id, conversationID: "conv-1", message: reply))

            let conversation = try #require(try await store.conversation(id: "conv-1"))
            #expect(conversation.messageCount == 3)
            #expect(conversation.createdAt == date(0))
            #expect(conversation.updatedAt == date(1.234), "appending is activity")
            #expect(conversation.assistantType == "support")
            #expect(conversation.contextStartedAt == nil)

            let page = try await store.messages(conversationID: "conv-1", page: 1, limit: 10)
            #expect(page.messages.count == 3)
            let expected = seed + [reply]
            for (message, original) in zip(page.messages, expected) {
                #expect(message == StoredMessage(id: message.id, conversationID: "conv-1", message: original))
            }
            #expect(page.messages.last == stored)
            #expect(page.messages.map(\.id) == page.messages.map(\.id).sorted())
            #expect(Set(page.messages.map(\.id)).count == 3)

            #expect(try await store.conversation(id: "conv-2") == nil)
        }
    }

    @Test("a stored message reads and writes its message's fields through")
    func storedMessageForwardsFields() {
        var stored = StoredMessage(id: 7, conversationID: "c", message: NewMessage(role: .user, content: "hi", createdAt: date(0)))
        #expect(stored.role == .user && stored.content == "hi" && stored.status == .complete && stored.usage == nil)
        stored.content = "hello"
        #expect(stored.message == NewMessage(role: .user, content: "hello", createdAt: date(0)))
    }

    @Test("seeded history newer than the creation date counts as activity", arguments: StoreEngine.allCases)
    func seedSetsActivity(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let created = try await store.createConversation(
                id: "c",
                assistantType: "a",
                seed: [userMessage("later", at: 30)],
                at: date(0)
            )
            #expect(created.updatedAt == date(30))
            #expect(created.createdAt == date(0))
            // An out-of-order timestamp does not move activity backwards.
            try await store.append(userMessage("old", at: 5), to: "c")
            #expect(try await store.conversation(id: "c")?.updatedAt == date(30))
        }
    }

    @Test("dates are stored in UTC to the millisecond and read back equal", arguments: StoreEngine.allCases)
    func datesRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let now = Date()  // finer than a millisecond
            let created = try await store.createConversation(id: "dates", assistantType: "a", seed: [], at: now)
            #expect(abs(created.createdAt.timeIntervalSince(now)) <= 0.0005)
            #expect(try await store.conversation(id: "dates")?.createdAt == created.createdAt)

            let instants = [
                Date(timeIntervalSince1970: 0),
                Date(timeIntervalSince1970: -86_400.001),  // before 1970
                Date(timeIntervalSince1970: 4_102_444_800.999),  // 2100
                date(0.001),
                now,
            ]
            var stored: [StoredMessage] = []
            for instant in instants {
                stored.append(try await store.append(NewMessage(role: .user, content: "t", createdAt: instant), to: "dates"))
            }
            let read = try await store.messages(conversationID: "dates", page: 1, limit: 10).messages
            #expect(read == stored)
            // Dates already on a millisecond come back exactly as given.
            #expect(Array(read.prefix(4).map(\.createdAt)) == Array(instants.prefix(4)))
            #expect(abs(read[4].createdAt.timeIntervalSince(now)) <= 0.0005)
        }
    }

    @Test("the three statuses round-trip: complete, cancelled with partial text, error with its code", arguments: StoreEngine.allCases)
    func statusesRoundTrip(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "s", assistantType: "a", seed: [], at: date(0))
            let messages = [
                NewMessage(role: .assistant, content: "All done.", createdAt: date(1), status: .complete),
                NewMessage(role: .assistant, content: "The answer is", createdAt: date(2), provider: "anthropic", status: .cancelled),
                NewMessage(role: .assistant, content: "", createdAt: date(3), provider: "openai", status: .error, errorCode: "upstream_timeout"),
            ]
            for message in messages {
                try await store.append(message, to: "s")
            }
            let read = try await store.messages(conversationID: "s", page: 1, limit: 10).messages
            #expect(read.map(\.status) == [.complete, .cancelled, .error])
            #expect(read[1].content == "The answer is")
            #expect(read[2].errorCode == "upstream_timeout")
            #expect(read[2].content.isEmpty)
            #expect(read.map(\.message) == messages)
            // The context carries them too, statuses intact.
            let context = try await store.contextMessages(conversationID: "s", limit: 10)
            #expect(context == read)
        }
    }

    @Test("creating an existing id is a conflict and changes nothing", arguments: StoreEngine.allCases)
    func conflict(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "dup", assistantType: "first", seed: [userMessage("one")], at: date(0))
            await expectStorageError(.conflict) {
                try await store.createConversation(id: "dup", assistantType: "second", seed: [userMessage("x"), userMessage("y")], at: date(9))
            }
            let conversation = try #require(try await store.conversation(id: "dup"))
            #expect(conversation.assistantType == "first")
            #expect(conversation.messageCount == 1)
            #expect(conversation.createdAt == date(0))
            #expect(try await store.statistics(activeSince: date(-100)).totalMessages == 1)
        }
    }

    @Test("append, reset and reads on a missing conversation are not found", arguments: StoreEngine.allCases)
    func notFound(engine: StoreEngine) async throws {
        try await withStore(engine) { store async throws in
            await expectStorageError(.notFound) { try await store.append(userMessage("hi"), to: "ghost") }
            await expectStorageError(.notFound) { try await store.resetContext(conversationID: "ghost", at: date(0)) }
            await expectStorageError(.notFound) { try await store.messages(conversationID: "ghost", page: 1, limit: 10) }
            await expectStorageError(.notFound) { try await store.contextMessages(conversationID: "ghost", limit: 10) }
            #expect(try await store.conversation(id: "ghost") == nil)
            #expect(try await store.deleteConversation(id: "ghost") == false)
            // The failed append left no orphan message behind.
            #expect(try await store.statistics(activeSince: date(0)) == StoreStatistics(totalConversations: 0, totalMessages: 0, activeConversations: 0))
        }
    }

    @Test("delete: true, then false; the messages go with the conversation", arguments: StoreEngine.allCases)
    func delete(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "gone", assistantType: "a", seed: [userMessage("1"), userMessage("2")], at: date(0))
            _ = try await store.createConversation(id: "kept", assistantType: "a", seed: [userMessage("3")], at: date(0))
            try await store.append(userMessage("4"), to: "gone")
            #expect(try await store.statistics(activeSince: date(0)).totalMessages == 4)

            #expect(try await store.deleteConversation(id: "gone") == true)
            #expect(try await store.deleteConversation(id: "gone") == false)
            #expect(try await store.conversation(id: "gone") == nil)
            await expectStorageError(.notFound) { try await store.messages(conversationID: "gone", page: 1, limit: 10) }
            #expect(try await store.statistics(activeSince: date(0)) == StoreStatistics(totalConversations: 1, totalMessages: 1, activeConversations: 1))
            #expect(try await store.messages(conversationID: "kept", page: 1, limit: 10).messages.map(\.content) == ["3"])

            // The id can be used again, and starts empty.
            let again = try await store.createConversation(id: "gone", assistantType: "b", seed: [], at: date(5))
            #expect(again.messageCount == 0)
            #expect(try await store.messages(conversationID: "gone", page: 1, limit: 10).messages.isEmpty)
        }
    }

    @Test("invalid arguments are rejected before anything is written", arguments: StoreEngine.allCases)
    func invalidArguments(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let longID = String(repeating: "x", count: 129)
            await expectStorageError(.invalidArgument) { try await store.createConversation(id: "", assistantType: "a", seed: [], at: date(0)) }
            await expectStorageError(.invalidArgument) { try await store.createConversation(id: longID, assistantType: "a", seed: [], at: date(0)) }
            await expectStorageError(.invalidArgument) { try await store.createConversation(id: "ok", assistantType: "", seed: [], at: date(0)) }
            await expectStorageError(.invalidArgument) {
                let bad = NewMessage(role: .assistant, content: "x", createdAt: date(0), usage: TokenCounts(inputTokens: -1, outputTokens: 0))
                return try await store.createConversation(id: "ok", assistantType: "a", seed: [bad], at: date(0))
            }
            await expectStorageError(.invalidArgument) {
                try await store.createConversation(id: "ok", assistantType: "a", seed: [], at: Date(timeIntervalSince1970: .infinity))
            }
            #expect(try await store.conversation(id: "ok") == nil, "no rejected call created anything")

            let maxID = String(repeating: "é", count: 128)  // 128 characters, more bytes
            _ = try await store.createConversation(id: maxID, assistantType: "a", seed: [], at: date(0))
            #expect(try await store.conversation(id: maxID)?.id == maxID)

            await expectStorageError(.invalidArgument) { try await store.conversation(id: "") }
            await expectStorageError(.invalidArgument) { try await store.conversation(id: longID) }
            await expectStorageError(.invalidArgument) { try await store.append(userMessage("x"), to: "") }
            await expectStorageError(.invalidArgument) {
                let bad = NewMessage(role: .assistant, content: "x", createdAt: date(0), usage: TokenCounts(inputTokens: 1, outputTokens: -5))
                return try await store.append(bad, to: maxID)
            }
            await expectStorageError(.invalidArgument) { try await store.messages(conversationID: maxID, page: 0, limit: 10) }
            await expectStorageError(.invalidArgument) { try await store.messages(conversationID: maxID, page: -3, limit: 10) }
            await expectStorageError(.invalidArgument) { try await store.messages(conversationID: maxID, page: 1, limit: 0) }
            await expectStorageError(.invalidArgument) { try await store.messages(conversationID: maxID, page: 1, limit: 201) }
            await expectStorageError(.invalidArgument) { try await store.contextMessages(conversationID: maxID, limit: 0) }
            await expectStorageError(.invalidArgument) { try await store.contextMessages(conversationID: maxID, limit: 201) }
            await expectStorageError(.invalidArgument) { try await store.resetContext(conversationID: longID, at: date(0)) }
            await expectStorageError(.invalidArgument) { try await store.deleteConversation(id: "") }
            // The bounds themselves are accepted.
            #expect(try await store.messages(conversationID: maxID, page: 1, limit: 200).limit == 200)
            #expect(try await store.contextMessages(conversationID: maxID, limit: 1).isEmpty)
            #expect(try await store.conversation(id: maxID)?.messageCount == 0)
        }
    }

    @Test("errors describe themselves with their code, message and cause", arguments: StoreEngine.allCases)
    func errorDescription(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let error = await #expect(throws: StorageError.self) {
                try await store.messages(conversationID: "c", page: 0, limit: 10)
            }
            let description = try #require(error).description
            #expect(description.contains("invalidArgument"))
            #expect(description.contains("page is 0"))
            #expect(error?.underlyingError == nil)
        }
        let wrapped = StorageError(code: .database, message: "disk full", underlyingError: CocoaError(.fileWriteOutOfSpace))
        #expect(wrapped.description.hasPrefix("StorageError.database: disk full ("))
        #expect(StorageError.Code.notFound != StorageError.Code.conflict)
    }
}
