import Foundation
import Logging
import PatchbayRedis
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// ``RedisReplyStore`` alone, on the shared real `redis-server`: each test under a prefix of its own.
@Suite("Response cache store in Redis", .timeLimit(.minutes(2)))
struct RedisReplyStoreTests {
    static func store() async throws -> RedisReplyStore {
        let server = try await RedisTestServer.shared()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, timeout: .seconds(10)), logger: Logger(label: "cache-tests"))
        return RedisReplyStore(client: client, keyPrefix: "test:\(UUID().uuidString):")
    }

    static func reply(_ prompt: String, text: String = "An answer of some length.") -> CachedReply {
        CachedReply(deltas: [text], finishReason: "stop", provider: "echo", model: "echo-1", prompt: prompt)
    }

    /// How many keys the store holds under its prefix.
    static func keyCount(_ store: RedisReplyStore) async throws -> Int {
        try await store.client.send(["KEYS", store.keyPrefix + "*"]).arrayValue?.count ?? -1
    }

    @Test("a reply comes back as stored: deltas in their pieces, finish reason, unicode; a missing key is nil")
    func roundTrip() async throws {
        let store = try await Self.store()
        let reply = CachedReply(deltas: ["Grüß ", "dich 👋", "", " \"quoted\"\n\\ 日本"], finishReason: "length", provider: "echo",
                                model: "echo-1", prompt: "Héllo, wörld? 🌍")
        #expect(try await store.store(reply, assistant: "support", key: "pbc_1", ttlSeconds: 60, maxBytes: 1 << 20) == 0)
        #expect(try await store.reply(assistant: "support", key: "pbc_1") == reply)
        let unfinished = CachedReply(deltas: ["x"], finishReason: nil, provider: "p", model: "m", prompt: "")
        _ = try await store.store(unfinished, assistant: "support", key: "pbc_2", ttlSeconds: 60, maxBytes: 1 << 20)
        #expect(try await store.reply(assistant: "support", key: "pbc_2") == unfinished)
        #expect(try await store.reply(assistant: "support", key: "pbc_3") == nil)
        #expect(try await store.reply(assistant: "other", key: "pbc_1") == nil, "entries are per assistant")
        let pttl = try await store.client.send(["PTTL", store.keyPrefix + "support:pbc_1"]).intValue ?? -3
        #expect(pttl > 0 && pttl <= 60_000)
    }

    @Test("assistant ids are escaped: a colon or a slash cannot reach another assistant's keys")
    func escapedAssistants() async throws {
        #expect(RedisReplyStore.escaped("sup:port/é ok_1.-") == "sup%3aport%2f%c3%a9%20ok_1.-")
        let store = try await Self.store()
        _ = try await store.store(Self.reply("one"), assistant: "a", key: "pbc_1", ttlSeconds: 60, maxBytes: 1 << 20)
        _ = try await store.store(Self.reply("two"), assistant: "a:lru", key: "pbc_1", ttlSeconds: 60, maxBytes: 1 << 20)
        #expect(try await store.reply(assistant: "a", key: "pbc_1")?.prompt == "one")
        #expect(try await store.reply(assistant: "a:lru", key: "pbc_1")?.prompt == "two")
        #expect(try await store.usage().entries == 2)
    }

    @Test("an entry whose value expired is nil, and its bookkeeping goes with it")
    func expiredValue() async throws {
        let store = try await Self.store()
        let reply = Self.reply("hours")
        _ = try await store.store(reply, assistant: "support", key: "pbc_1", ttlSeconds: 3600, maxBytes: 1 << 20)
        _ = try await store.store(Self.reply("other"), assistant: "support", key: "pbc_2", ttlSeconds: 3600, maxBytes: 1 << 20)
        // Expire the value the way its TTL would, without waiting an hour.
        try await store.client.send(["PEXPIRE", store.keyPrefix + "support:pbc_1", "1"])
        try await LiveHTTP.eventually(10) { try await store.reply(assistant: "support", key: "pbc_1") == nil }
        let usage = try await store.usage()
        #expect(usage.entries == 1 && usage.bytes == Self.reply("other").bytes && usage.evictions == 0)
    }

    @Test("the TTL expires entries by Redis's clock: gone from lookups and from the figures")
    func ttlExpiry() async throws {
        let store = try await Self.store()
        // Kept (nothing evicted); not read back at once: on a loaded machine the second may be over by then.
        #expect(try await store.store(Self.reply("short"), assistant: "support", key: "pbc_1", ttlSeconds: 1, maxBytes: 1 << 20) == 0)
        try await LiveHTTP.eventually(10) { try await store.usage().entries == 0 }
        #expect(try await store.reply(assistant: "support", key: "pbc_1") == nil)
        #expect(try await store.usage().bytes == 0)
        #expect(try await Self.keyCount(store) == 0, "an assistant without entries leaves no keys behind")
    }

    @Test("past max_bytes the least recently used entry goes, a lookup counting as a use; evictions are counted")
    func lruEviction() async throws {
        let store = try await Self.store()
        let size = Self.reply("a").bytes
        let cap = size * 3
        for name in ["a", "b", "c"] {
            #expect(try await store.store(Self.reply(name), assistant: "support", key: "pbc_" + name, ttlSeconds: 60, maxBytes: cap) == 0)
        }
        #expect(try await store.reply(assistant: "support", key: "pbc_a") != nil)  // a is now newer than b and c
        #expect(try await store.store(Self.reply("d"), assistant: "support", key: "pbc_d", ttlSeconds: 60, maxBytes: cap) == 1)
        #expect(try await store.reply(assistant: "support", key: "pbc_b") == nil)
        for name in ["a", "c", "d"] { #expect(try await store.reply(assistant: "support", key: "pbc_" + name)?.prompt == name) }
        let usage = try await store.usage()
        #expect(usage.entries == 3 && usage.bytes == cap && usage.evictions == 1)
        let last = try #require(usage.lastEviction)
        #expect(abs(last.timeIntervalSinceNow) < 3600, "Redis's clock, in seconds since 1970: \(last)")
        // Too large for the cap: not kept, nothing evicted.
        let large = Self.reply("large", text: String(repeating: "x", count: cap))
        #expect(try await store.store(large, assistant: "support", key: "pbc_large", ttlSeconds: 60, maxBytes: cap) == 0)
        #expect(try await store.reply(assistant: "support", key: "pbc_large") == nil)
        #expect(try await store.usage().entries == 3)
    }

    @Test("clear removes, across assistants, the entries whose prompt contains the pattern in any case; nil clears all")
    func clearByPattern() async throws {
        let store = try await Self.store()
        _ = try await store.store(Self.reply("What are your Opening hours?"), assistant: "support", key: "pbc_1", ttlSeconds: 60, maxBytes: 1 << 20)
        _ = try await store.store(Self.reply("OPENING HOURS on Sunday"), assistant: "sales", key: "pbc_2", ttlSeconds: 60, maxBytes: 1 << 20)
        _ = try await store.store(Self.reply("Où est l'ÉTÉ ?"), assistant: "support", key: "pbc_3", ttlSeconds: 60, maxBytes: 1 << 20)
        _ = try await store.store(Self.reply("Reset my password"), assistant: "support", key: "pbc_4", ttlSeconds: 60, maxBytes: 1 << 20)
        #expect(try await store.clear(matching: "opening Hours") == 2)
        #expect(try await store.clear(matching: "été") == 1)
        #expect(try await store.reply(assistant: "support", key: "pbc_1") == nil)
        #expect(try await store.reply(assistant: "support", key: "pbc_4")?.prompt == "Reset my password")
        let usage = try await store.usage()
        #expect(usage.entries == 1 && usage.bytes == Self.reply("Reset my password").bytes)
        #expect(try await store.clear(matching: nil) == 1)
        #expect(try await store.usage().entries == 0)
        #expect(try await Self.keyCount(store) == 0)
    }
}
