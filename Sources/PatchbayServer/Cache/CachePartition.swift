import Foundation

/// One assistant's entries: found by exact key or by the nearest question, dropped when they
/// expire, and evicted least recently used first past the assistant's byte cap.
struct CachePartition: Sendable {
    private struct Entry: Sendable {
        var reply: CachedReply
        var bytes: Int
        var expiresAt: Date
        /// The semantic group it is indexed in (its context key), if it has a vector.
        var group: String?
    }

    private var entries: [String: Entry] = [:]
    private var order = LRUOrder<String>()
    private var groups: [String: SemanticIndex] = [:]
    private(set) var bytes = 0
    private(set) var evictions = 0
    private(set) var lastEviction: Date?
    private var lastSweep = Date.distantPast

    var count: Int { entries.count }

    /// The live entry under `key`, now the most recently used.
    mutating func reply(for key: String, now: Date) -> CachedReply? {
        guard let entry = entries[key] else { return nil }
        guard entry.expiresAt > now else {
            remove(key)
            return nil
        }
        order.touch(key)
        return entry.reply
    }

    /// The live entry of `group` whose question is nearest `vector`, with its similarity.
    mutating func nearest(in group: String, to vector: [Float], now: Date) -> (key: String, reply: CachedReply, similarity: Float)? {
        // An expired nearest entry is dropped and the search runs again; each pass removes one.
        while let found = groups[group]?.nearest(vector) {
            if let reply = reply(for: found.key, now: now) { return (found.key, reply, found.similarity) }
            remove(found.key)
        }
        return nil
    }

    /// Keeps `reply` under `key` (replacing what was there), indexed by `vector` in `group` when
    /// given, then evicts the least recently used entries until the partition fits `maxBytes`.
    mutating func insert(_ reply: CachedReply, key: String, vector: [Float]?, group: String, ttl: TimeInterval, maxBytes: Int, now: Date) {
        remove(key)
        let size = reply.bytes + (vector?.count ?? 0) * MemoryLayout<Float>.size
        guard size <= maxBytes else { return }
        var indexed: String? = nil
        if let vector {
            // In place: taking the index out of the dictionary and putting it back would copy
            // every vector of the group on each insert.
            if groups[group] == nil { groups[group] = SemanticIndex(dimensions: vector.count) }
            if groups[group]!.dimensions == vector.count {
                groups[group]!.insert(key, vector)
                indexed = group
            }
        }
        if now.timeIntervalSince(lastSweep) >= 60 { sweep(now: now) }
        entries[key] = Entry(reply: reply, bytes: size, expiresAt: now.addingTimeInterval(ttl), group: indexed)
        order.touch(key)
        bytes += size
        evict(toFit: maxBytes, now: now)
    }

    /// Evicts least recently used entries while the partition is over `maxBytes`.
    mutating func evict(toFit maxBytes: Int, now: Date) {
        while bytes > maxBytes, let oldest = order.oldest {
            remove(oldest)
            evictions += 1
            lastEviction = now
        }
    }

    /// Removes the entries whose prompt contains `pattern` (case-insensitively), or every entry.
    /// - Returns: how many were removed.
    mutating func clear(matching pattern: String?) -> Int {
        guard let pattern, !pattern.isEmpty else {
            let removed = entries.count
            entries.removeAll()
            order.removeAll()
            groups.removeAll()
            bytes = 0
            return removed
        }
        let matching = entries.filter { $0.value.reply.prompt.range(of: pattern, options: .caseInsensitive) != nil }.map(\.key)
        for key in matching { remove(key) }
        return matching.count
    }

    /// Drops expired entries (at most once a minute, on an insert), so entries nobody asks for again
    /// do not hold memory until the LRU reaches them.
    mutating func sweep(now: Date) {
        lastSweep = now
        for (key, entry) in entries where entry.expiresAt <= now { remove(key) }
    }

    private mutating func remove(_ key: String) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        order.remove(key)
        bytes -= entry.bytes
        if let group = entry.group {
            groups[group]?.remove(key)
            if groups[group]?.isEmpty == true { groups[group] = nil }
        }
    }
}
