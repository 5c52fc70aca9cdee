import Foundation
import Testing

@testable import PatchbayStorage

@Suite("Concurrent use")
struct ConcurrencyTests {
    @Test("50 conversations appending 20 messages each at once lose nothing", arguments: StoreEngine.allCases)
    func fiftyConversations(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            let conversations = 50
            let perConversation = 20
            try await withThrowingTaskGroup(of: Void.self) { group in
                for c in 0..<conversations {
                    group.addTask {
                        _ = try await store.createConversation(id: "conv-\(c)", assistantType: "a", seed: [], at: date(0))
                        for m in 0..<perConversation {
                            let stored = try await store.append(userMessage("c\(c)-m\(m)", at: Double(m)), to: "conv-\(c)")
                            // A committed append is visible to the very next read, on whichever reader connection.
                            let context = try await store.contextMessages(conversationID: "conv-\(c)", limit: 1)
                            #expect(context == [stored])
                        }
                    }
                }
                try await group.waitForAll()
            }

            #expect(
                try await store.statistics(activeSince: date(0))
                    == StoreStatistics(totalConversations: conversations, totalMessages: conversations * perConversation, activeConversations: conversations)
            )
            var allIDs = Set<Int64>()
            for c in 0..<conversations {
                let page = try await store.messages(conversationID: "conv-\(c)", page: 1, limit: 200)
                #expect(page.total == perConversation)
                #expect(page.messages.map(\.content) == (0..<perConversation).map { "c\(c)-m\($0)" })
                #expect(page.messages.map(\.id) == page.messages.map(\.id).sorted())
                #expect(try await store.conversation(id: "conv-\(c)")?.messageCount == perConversation)
                allIDs.formUnion(page.messages.map(\.id))
            }
            #expect(allIDs.count == conversations * perConversation)
        }
    }

    @Test("200 appends to one conversation at once are all stored, each with its own id", arguments: StoreEngine.allCases)
    func oneConversationManyWriters(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.createConversation(id: "busy", assistantType: "a", seed: [], at: date(0))
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<200 {
                    group.addTask { try await store.append(userMessage("\(index)", at: Double(index)), to: "busy").id }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 200)
            let page = try await store.messages(conversationID: "busy", page: 1, limit: 200)
            #expect(page.total == 200)
            #expect(Set(page.messages.map(\.content)) == Set((0..<200).map { "\($0)" }))
            #expect(page.messages.map(\.id) == ids.sorted(), "pages follow storage order")
            #expect(try await store.conversation(id: "busy")?.updatedAt == date(199))
        }
    }
}
