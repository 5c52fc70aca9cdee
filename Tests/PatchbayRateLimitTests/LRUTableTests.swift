import Testing

@testable import PatchbayRateLimit

@Suite("LRUTable")
struct LRUTableTests {
    @Test("keeps use order, evicts the oldest, and reuses freed slots")
    func orderAndEviction() {
        var table = LRUTable<Int>(capacity: 3)
        for key in ["a", "b", "c"] {
            table.withValue(forKey: key, default: { 0 }) { $0 += 1 }
        }
        table.withValue(forKey: "a", default: { 0 }) { $0 += 1 }
        #expect(table.keysNewestFirst == ["a", "c", "b"])
        #expect(table.peek("a") == 2)
        #expect(table.keysNewestFirst == ["a", "c", "b"])

        table.withValue(forKey: "d", default: { 10 }) { $0 += 1 }
        #expect(table.keysNewestFirst == ["d", "a", "c"])
        #expect(table.peek("b") == nil)
        #expect(table.peek("d") == 11)

        #expect(table.removeAll { $0 < 5 } == 2)
        #expect(table.keysNewestFirst == ["d"])
        for key in ["e", "f", "g"] {
            table.withValue(forKey: key, default: { 0 }) { _ in }
        }
        #expect(table.count == 3)
        #expect(table.keysNewestFirst == ["g", "f", "e"])
    }

    @Test("a table of one always holds the newest key")
    func capacityOne() {
        var table = LRUTable<String>(capacity: 1)
        for key in ["a", "b", "a", "c"] {
            table.withValue(forKey: key, default: { key }) { _ in }
            #expect(table.keysNewestFirst == [key])
        }
        #expect(table.removeAll { _ in true } == 1)
        #expect(table.count == 0)
        #expect(table.keysNewestFirst.isEmpty)
    }
}
