import Foundation
import PatchbayJSON
import PatchbayRedis

/// The response cache's exact entries in Redis, shared by every instance that points at it: one
/// atomic Lua script per operation (``ReplyStoreScripts``), LRU by Redis's own clock, each
/// assistant under its own byte cap.
///
/// Calls fail (throw ``RedisError``) within the client's timeout when Redis is down or slow;
/// ``ResponseCache`` then answers from its own partition.
final class RedisReplyStore: SharedReplyStore {
    /// The connection to Redis (the rate-limit store's, when `limits.store` names Redis).
    let client: RedisClient
    /// Put before every key, so the entries sit apart from other data in the same database.
    let keyPrefix: String

    /// Creates a store on `client`.
    /// - Parameter keyPrefix: put before every key (`patchbay:cache:support:pbc_…`).
    init(client: RedisClient, keyPrefix: String = "patchbay:cache:") {
        self.client = client
        self.keyPrefix = keyPrefix
    }

    func reply(assistant: String, key: String) async throws -> CachedReply? {
        let value = try await client.evaluate(ReplyStoreScripts.reply, keys: [], arguments: [keyPrefix, Self.escaped(assistant), key])
        switch value {
        case .null: return nil
        case .bulkString(let bytes): return try CachedReply(stored: bytes)
        default: throw RedisError(code: .protocolViolation, message: "the cache's reply script returned an unexpected reply")
        }
    }

    func store(_ reply: CachedReply, assistant: String, key: String, ttlSeconds: Int, maxBytes: Int) async throws -> Int {
        let arguments = [
            keyPrefix, Self.escaped(assistant), key, reply.stored, String(reply.bytes), String(max(ttlSeconds, 1) * 1000),
            String(maxBytes), reply.prompt.lowercased(),
        ]
        let value = try await client.evaluate(ReplyStoreScripts.store, keys: [], arguments: arguments)
        guard let evicted = value.intValue else {
            throw RedisError(code: .protocolViolation, message: "the cache's store script returned an unexpected reply")
        }
        return Int(evicted)
    }

    func clear(matching pattern: String?) async throws -> Int {
        let value = try await client.evaluate(ReplyStoreScripts.clear, keys: [], arguments: [keyPrefix, (pattern ?? "").lowercased()])
        guard let removed = value.intValue else {
            throw RedisError(code: .protocolViolation, message: "the cache's clear script returned an unexpected reply")
        }
        return Int(removed)
    }

    func usage() async throws -> (entries: Int, bytes: Int, evictions: Int, lastEviction: Date?) {
        let value = try await client.evaluate(ReplyStoreScripts.usage, keys: [], arguments: [keyPrefix])
        guard let figures = value.arrayValue, figures.count == 4, let entries = figures[0].intValue, let bytes = figures[1].intValue,
              let evictions = figures[2].intValue
        else { throw RedisError(code: .protocolViolation, message: "the cache's usage script returned an unexpected reply") }
        let last = figures[3].intValue.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
        return (Int(entries), Int(bytes), Int(evictions), last)
    }

    /// The assistant id with every byte outside `[A-Za-z0-9_.-]` percent-encoded: no `:` (the
    /// layout's separator) and nothing Redis treats specially.
    static func escaped(_ assistant: String) -> String {
        var text = ""
        for byte in assistant.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                text += "%" + String(zeroPadded: Int(byte), width: 2, radix: 16)
            }
        }
        return text
    }
}

extension CachedReply {
    /// The JSON kept in Redis: `{"deltas":[…],"finish":…,"provider":…,"model":…,"prompt":…}`.
    var stored: String {
        #"{"deltas":"# + JSONText.array(deltas) + #","finish":"# + JSONText.stringOrNull(finishReason)
            + #","provider":"# + JSONText.string(provider) + #","model":"# + JSONText.string(model)
            + #","prompt":"# + JSONText.string(prompt) + "}"
    }

    /// Reads ``stored``.
    /// - Throws: ``RedisError`` (``RedisError/Code/protocolViolation``) for anything else.
    init(stored bytes: [UInt8]) throws {
        let value = try? JSONValue.parse(bytes)
        guard let value, let deltas = value["deltas"]?.array?.compactMap(\.string), let provider = value["provider"]?.string,
              let model = value["model"]?.string, let prompt = value["prompt"]?.string
        else { throw RedisError(code: .protocolViolation, message: "a cached reply in Redis is not one this version reads") }
        self.init(deltas: deltas, finishReason: value["finish"]?.string, provider: provider, model: model, prompt: prompt)
    }
}
