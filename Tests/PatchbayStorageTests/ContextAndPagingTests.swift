import Foundation
import Testing

@testable import PatchbayStorage

@Suite("Context and paging")
struct ContextAndPagingTests {
    /// A conversation "c" holding messages "m1" ... "m\(count)", one second apart.
    private func fill(_ store: any ConversationStore, count: Int) async throws {
        _ = try await store.createConversation(id: "c", assistantType: "a", seed: [], at: date(0))
        for index in 1...count {
            try await store.append(userMessage("m\(index)", at: Double(index)), to: "c")
        }
    }

    @Test("the context is the most recent messages, oldest first", arguments: StoreEngine.allCases)
    func contextTrims(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            try await fill(store, count: 10)
            let context = try await store.contextMessages(conversationID: "c", limit: 4)
            #expect(context.map(\.content) == ["m7", "m8", "m9", "m10"])
            #expect(try await store.contextMessages(conversationID: "c", limit: 1).map(\.content) == ["m10"])
            #expect(try await store.contextMessages(conversationID: "c", limit: 200).count == 10)
        }
    }

    @Test("a reset keeps earlier messages but leaves them out of the context", arguments: StoreEngine.allCases)
    func resetContext(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            try await fill(store, count: 5)
            let before = try #require(try await store.conversation(id: "c"))

            let reset = try await store.resetContext(conversationID: "c", at: date(100))
            #expect(reset.contextStartedAt == date(100))
            #expect(reset.updatedAt == before.updatedAt, "a reset is not activity")
            #expect(reset.messageCount == 5)
            #expect(try await store.conversation(id: "c") == reset)
            #expect(try await store.contextMessages(conversationID: "c", limit: 200).isEmpty)

            // Stamped before the reset but stored after it: the boundary is storage order, so it is in the context.
            try await store.append(userMessage("n1", at: 99), to: "c")
            try await store.append(userMessage("n2", at: 101), to: "c")
            try await store.append(userMessage("n3", at: 102), to: "c")
            #expect(try await store.contextMessages(conversationID: "c", limit: 200).map(\.content) == ["n1", "n2", "n3"])
            #expect(try await store.contextMessages(conversationID: "c", limit: 2).map(\.content) == ["n2", "n3"])

            let all = try await store.messages(conversationID: "c", page: 1, limit: 200)
            #expect(all.total == 8)
            #expect(all.messages.map(\.content) == ["m1", "m2", "m3", "m4", "m5", "n1", "n2", "n3"])

            // A second reset moves the start again.
            let second = try await store.resetContext(conversationID: "c", at: date(200))
            #expect(second.contextStartedAt == date(200))
            try await store.append(userMessage("o1", at: 201), to: "c")
            #expect(try await store.contextMessages(conversationID: "c", limit: 200).map(\.content) == ["o1"])
            #expect(try await store.conversation(id: "c")?.messageCount == 9)
        }
    }

    @Test("provider state: kept with its provider, replaced, dropped by a reset, bounded, unknown conversation refused",
          arguments: StoreEngine.allCases)
    func providerState(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            try await fill(store, count: 2)
            let before = try #require(try await store.conversation(id: "c"))
            #expect(before.providerState == nil)
            let state = ProviderState(provider: "responses", value: "resp_1")
            try await store.setProviderState(state, conversationID: "c")
            let kept = try #require(try await store.conversation(id: "c"))
            #expect(kept.providerState == state)
            #expect(kept.updatedAt == before.updatedAt, "keeping state is not activity")
            try await store.setProviderState(ProviderState(provider: "responses", value: "resp_2"), conversationID: "c")
            #expect(try await store.conversation(id: "c")?.providerState?.value == "resp_2")
            _ = try await store.resetContext(conversationID: "c", at: date(100))
            #expect(try await store.conversation(id: "c")?.providerState == nil, "a reset forgets what the provider remembers")
            await #expect(throws: StorageError.self) {
                try await store.setProviderState(ProviderState(provider: "responses", value: String(repeating: "s", count: 4097)), conversationID: "c")
            }
            await #expect(throws: StorageError.self) { try await store.setProviderState(state, conversationID: "missing") }
        }
    }

    @Test("a reset on an empty conversation, then messages, keeps them all in context", arguments: StoreEngine.allCases)
    func resetEmpty(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "e", assistantType: "a", seed: [], at: date(0))
            _ = try await store.resetContext(conversationID: "e", at: date(1))
            try await store.append(userMessage("first", at: 2), to: "e")
            #expect(try await store.contextMessages(conversationID: "e", limit: 10).map(\.content) == ["first"])
        }
    }

    @Test("paging: totals, pages, neighbours, the last partial page and past the end", arguments: StoreEngine.allCases)
    func paging(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            try await fill(store, count: 23)

            let first = try await store.messages(conversationID: "c", page: 1, limit: 10)
            #expect(first.messages.map(\.content) == (1...10).map { "m\($0)" })
            #expect((first.page, first.limit, first.total, first.pages) == (1, 10, 23, 3))
            #expect(first.hasNext && !first.hasPrevious)

            let second = try await store.messages(conversationID: "c", page: 2, limit: 10)
            #expect(second.messages.map(\.content) == (11...20).map { "m\($0)" })
            #expect(second.hasNext && second.hasPrevious)

            let last = try await store.messages(conversationID: "c", page: 3, limit: 10)
            #expect(last.messages.map(\.content) == ["m21", "m22", "m23"])
            #expect(!last.hasNext && last.hasPrevious)
            #expect((last.total, last.pages) == (23, 3))

            let past = try await store.messages(conversationID: "c", page: 4, limit: 10)
            #expect(past.messages.isEmpty)
            #expect((past.page, past.total, past.pages) == (4, 23, 3))
            #expect(!past.hasNext && past.hasPrevious)

            let far = try await store.messages(conversationID: "c", page: Int.max, limit: 200)
            #expect(far.messages.isEmpty && far.total == 23 && far.pages == 1)

            let exact = try await store.messages(conversationID: "c", page: 1, limit: 23)
            #expect(exact.messages.count == 23 && exact.pages == 1 && !exact.hasNext && !exact.hasPrevious)

            // Pages join up with nothing missing or repeated.
            var joined: [StoredMessage] = []
            for page in 1...8 {
                joined += try await store.messages(conversationID: "c", page: page, limit: 3).messages
            }
            #expect(joined.map(\.content) == (1...23).map { "m\($0)" })
        }
    }

    @Test("an empty conversation has no pages", arguments: StoreEngine.allCases)
    func emptyPaging(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "e", assistantType: "a", seed: [], at: date(0))
            let page = try await store.messages(conversationID: "e", page: 1, limit: 10)
            #expect(page.messages.isEmpty)
            #expect((page.total, page.pages, page.hasNext, page.hasPrevious) == (0, 0, false, false))
        }
    }
}
