import Foundation

/// Where the exact entries of the response cache live when instances share them (Redis, when
/// `limits.store` names one): the same entries, LRU order, byte caps and TTLs for every instance.
///
/// Calls may fail (the store is down or slow); ``ResponseCache`` then answers from its own
/// partition, so a failing store never fails a turn.
protocol SharedReplyStore: Sendable {
    /// The live entry of `assistant` under `key`, now its most recently used; nil when there is
    /// none (never stored, expired, evicted or cleared).
    func reply(assistant: String, key: String) async throws -> CachedReply?

    /// Keeps `reply` under `key` for `ttlSeconds` (replacing what was there), then evicts the
    /// assistant's least recently used entries until its entries fit `maxBytes` (each counted as
    /// ``CachedReply/bytes``). A reply larger than `maxBytes` is not kept.
    /// - Returns: how many entries were evicted.
    func store(_ reply: CachedReply, assistant: String, key: String, ttlSeconds: Int, maxBytes: Int) async throws -> Int

    /// Removes every assistant's entries whose prompt contains `pattern` (case-insensitively), or
    /// all of them when `pattern` is nil or empty.
    /// - Returns: how many were removed.
    func clear(matching pattern: String?) async throws -> Int

    /// The live entries of every assistant, their bytes, and the evictions so far.
    func usage() async throws -> (entries: Int, bytes: Int, evictions: Int, lastEviction: Date?)
}
