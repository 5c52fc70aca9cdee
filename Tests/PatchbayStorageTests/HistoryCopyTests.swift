import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayStorage

@Suite("Copying a SQLite history into PostgreSQL")
struct HistoryCopyTests {
    @Test("every conversation and message arrives: owners, resets, statuses, usage; checked by counts and a sample")
    func copiesEverything() async throws {
        try await withTemporaryFolder { folder in
            let source = try makeStore(at: folder.appendingPathComponent("patchbay.sqlite").path)
            for index in 0..<30 {
                _ = try await source.createConversation(id: "c\(index)", assistantType: "a", seed: [userMessage("seed", at: -1)], at: date(0),
                                                        owner: index.isMultiple(of: 2) ? "key-\(index)" : nil)
                try await source.append(userMessage("q\(index)", at: 1), to: "c\(index)")
                try await source.append(NewMessage(role: .assistant, content: "half", createdAt: date(2), provider: "echo", model: "echo-1",
                                                   usage: TokenCounts(inputTokens: 3, outputTokens: 1), status: .cancelled), to: "c\(index)")
            }
            _ = try await source.resetContext(conversationID: "c3", at: date(5))
            try await source.append(NewMessage(role: .assistant, content: "", createdAt: date(6), status: .error, errorCode: "PROVIDER_ERROR"), to: "c3")

            let target = try await makePostgresStore()
            try await target.withPoolRunning {
                let report = try await HistoryCopy.copy(from: source, to: target)
                #expect(report == HistoryCopy.Report(conversations: 30, messages: 91, sampled: 30))
                #expect(try await target.conversation(id: "c4")?.owner == "key-4")
                #expect(try await target.conversation(id: "c3")?.contextStartedAt == date(5))
                #expect(try await target.contextMessages(conversationID: "c3", limit: 10).map(\.errorCode) == ["PROVIDER_ERROR"])
                // New messages take ids after the copied ones.
                let next = try await target.append(userMessage("after", at: 7), to: "c0")
                let copiedIDs = try await source.allMessages().map(\.id)
                #expect(next.id > copiedIDs.max()!)

                // Into a database that already holds conversations: refused, nothing added.
                await #expect(throws: StorageError.self) { _ = try await HistoryCopy.copy(from: source, to: target) }
                #expect(try await target.statistics(activeSince: date(0)).totalMessages == 92)
            }
        }
    }
}
