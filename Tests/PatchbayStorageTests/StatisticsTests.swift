import Foundation
import Testing

@testable import PatchbayStorage

@Suite("Statistics")
struct StatisticsTests {
    @Test("counts conversations, messages, and conversations active since a date", arguments: StoreEngine.allCases)
    func statistics(engine: StoreEngine) async throws {
        try await withStore(engine) { store in
            #expect(try await store.statistics(activeSince: date(0)) == StoreStatistics(totalConversations: 0, totalMessages: 0, activeConversations: 0))

            _ = try await store.createConversation(id: "old", assistantType: "a", seed: [userMessage("1", at: -50)], at: date(0))
            _ = try await store.createConversation(id: "mid", assistantType: "a", seed: [], at: date(100))
            _ = try await store.createConversation(id: "new", assistantType: "a", seed: [userMessage("2", at: 150)], at: date(200))
            try await store.append(userMessage("3", at: 201), to: "new")

            #expect(try await store.statistics(activeSince: date(-1000)) == StoreStatistics(totalConversations: 3, totalMessages: 3, activeConversations: 3))
            #expect(try await store.statistics(activeSince: date(100)).activeConversations == 2, "the boundary is inclusive")
            #expect(try await store.statistics(activeSince: date(100.001)).activeConversations == 1)
            #expect(try await store.statistics(activeSince: date(202)).activeConversations == 0)

            // New activity on an old conversation makes it active again; a reset does not.
            _ = try await store.resetContext(conversationID: "mid", at: date(500))
            #expect(try await store.statistics(activeSince: date(300)).activeConversations == 0)
            try await store.append(userMessage("4", at: 300), to: "old")
            let after = try await store.statistics(activeSince: date(300))
            #expect(after == StoreStatistics(totalConversations: 3, totalMessages: 4, activeConversations: 1))
        }
    }
}
