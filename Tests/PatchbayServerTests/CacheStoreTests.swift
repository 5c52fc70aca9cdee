import Foundation
import PatchbayPluginHost
import Testing

@testable import PatchbayServer

/// The cache's parts on their own: the LRU order, the semantic index, a partition's expiry and
/// eviction, and what the key covers.
@Suite("Response cache: store, index and keys")
struct CacheStoreTests {
    static func reply(_ text: String, prompt: String = "q") -> CachedReply {
        CachedReply(deltas: [text], finishReason: "stop", provider: "p", model: "m", prompt: prompt)
    }

    @Test("LRU order: touch moves a key to the front; remove unlinks it from anywhere")
    func lruOrder() {
        var order = LRUOrder<String>()
        for key in ["a", "b", "c"] { order.touch(key) }
        #expect(order.oldest == "a" && order.newest == "c")
        order.touch("a")
        #expect(order.oldest == "b" && order.newest == "a")
        order.remove("c")
        #expect(order.oldest == "b" && order.newest == "a" && order.count == 2)
        order.remove("b")
        order.remove("a")
        #expect(order.oldest == nil && order.newest == nil && order.count == 0)
    }

    @Test("the index finds the nearest unit vector by cosine, also after rows are removed and moved")
    func nearest() throws {
        var index = SemanticIndex(dimensions: 20)
        func unit(_ axis: Int, _ lean: Float = 0) -> [Float] {
            var vector = [Float](repeating: 0, count: 20)
            vector[axis] = 1
            vector[(axis + 1) % 20] = lean
            return SemanticIndex.normalized(vector)!
        }
        for axis in 0..<20 { index.insert("k\(axis)", unit(axis)) }
        let found = try #require(index.nearest(unit(7, 0.2)))
        #expect(found.key == "k7")
        #expect(abs(found.similarity - 1 / (1 + 0.04).squareRoot()) < 1e-5)
        index.remove("k0")  // k19 moves into row 0
        #expect(index.nearest(unit(19))?.key == "k19")
        #expect(index.nearest(unit(19))?.similarity == 1)
        index.remove("k7")
        #expect(index.nearest(unit(7))?.key != "k7")
        #expect(SemanticIndex.normalized([0, 0]) == nil)
        #expect(index.nearest([1, 0]) == nil, "a vector of another dimension finds nothing")
    }

    @Test("a partition drops expired entries, evicts the least recently used past its cap, and clears by pattern")
    func partition() {
        var partition = CachePartition()
        let start = Date(timeIntervalSince1970: 0)
        let size = Self.reply("x", prompt: "Opening hours").bytes  // every prompt below is 13 bytes
        partition.insert(Self.reply("x", prompt: "Opening hours"), key: "a", vector: nil, group: "g", ttl: 10, maxBytes: size * 2, now: start)
        partition.insert(Self.reply("x", prompt: "Where is it?!"), key: "b", vector: nil, group: "g", ttl: 10, maxBytes: size * 2, now: start)
        #expect(partition.reply(for: "a", now: start) != nil)
        partition.insert(Self.reply("x", prompt: "opening HOURS"), key: "c", vector: nil, group: "g", ttl: 10, maxBytes: size * 2, now: start)
        #expect(partition.reply(for: "b", now: start) == nil, "b was the least recently used")
        #expect(partition.count == 2 && partition.bytes == size * 2 && partition.evictions == 1 && partition.lastEviction == start)
        #expect(partition.reply(for: "a", now: start.addingTimeInterval(10)) == nil, "expired at its ttl")
        #expect(partition.count == 1)
        #expect(partition.clear(matching: "opening hours") == 1)
        #expect(partition.count == 0 && partition.bytes == 0)
        // An entry larger than the whole cap is not kept at all.
        partition.insert(Self.reply(String(repeating: "y", count: 4096)), key: "big", vector: nil, group: "g", ttl: 10, maxBytes: 1024, now: start)
        #expect(partition.count == 0)
    }

    @Test("the semantic lookup skips an expired nearest entry and finds the next live one")
    func semanticExpiry() {
        var partition = CachePartition()
        let start = Date(timeIntervalSince1970: 0)
        partition.insert(Self.reply("old"), key: "old", vector: [1, 0], group: "g", ttl: 5, maxBytes: 1 << 20, now: start)
        partition.insert(Self.reply("new"), key: "new", vector: SemanticIndex.normalized([1, 1])!, group: "g", ttl: 50, maxBytes: 1 << 20, now: start)
        #expect(partition.nearest(in: "g", to: [1, 0], now: start)?.key == "old")
        #expect(partition.nearest(in: "g", to: [1, 0], now: start.addingTimeInterval(6))?.key == "new")
        #expect(partition.nearest(in: "other", to: [1, 0], now: start) == nil)
        #expect(partition.count == 1)
    }

    @Test("the key covers scope, fingerprint and every message; the context leaves out only the newest message")
    func keys() {
        let messages = [ChatMessage(role: .user, content: "hi"), ChatMessage(role: .assistant, content: "hello"),
                        ChatMessage(role: .user, content: "what now?")]
        let base = CacheKey(scope: "", fingerprint: ["default", "m", "Be brief."], messages: messages)
        #expect(base.exact.hasPrefix("pbc_") && base.exact.count == 36 && base.prompt == "what now?")
        let otherScope = CacheKey(scope: "alice", fingerprint: ["default", "m", "Be brief."], messages: messages)
        let otherPrompt = CacheKey(scope: "", fingerprint: ["default", "m", "Be long."], messages: messages)
        let otherHistory = CacheKey(scope: "", fingerprint: ["default", "m", "Be brief."], messages: [messages[0], .init(role: .assistant, content: "hey"), messages[2]])
        let paraphrase = CacheKey(scope: "", fingerprint: ["default", "m", "Be brief."], messages: Array(messages.dropLast()) + [.init(role: .user, content: "and now?")])
        #expect(Set([base, otherScope, otherPrompt, otherHistory, paraphrase].map(\.exact)).count == 5)
        #expect(paraphrase.context == base.context)
        #expect(Set([base, otherScope, otherPrompt, otherHistory].map(\.context)).count == 4)
        // Length-prefixed: moving text between fields changes the key.
        #expect(CacheKey(scope: "", fingerprint: ["ab", "c"], messages: []).exact != CacheKey(scope: "", fingerprint: ["a", "bc"], messages: []).exact)
    }

    @Test("sizes read as seed 004 shows them")
    func humanSize() {
        #expect(CacheStats.humanSize(512) == "512 B")
        #expect(CacheStats.humanSize(1_048_576) == "1.0 MB")
        #expect(CacheStats.humanSize(1_500) == "1.5 KB")
        #expect(CacheStats.humanSize(64 << 20) == "67.1 MB")
    }
}
