/// Keys from the most to the least recently used, each move O(1).
struct LRUOrder<Key: Hashable & Sendable>: Sendable {
    private struct Link: Sendable {
        var newer: Key?
        var older: Key?
    }

    private var links: [Key: Link] = [:]
    private(set) var newest: Key?
    private(set) var oldest: Key?

    var count: Int { links.count }

    /// Makes `key` the most recently used, adding it if it is new.
    mutating func touch(_ key: Key) {
        if links[key] != nil {
            guard newest != key else { return }
            remove(key)
        }
        links[key] = Link(newer: nil, older: newest)
        if let newest { links[newest]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
    }

    /// Forgets `key`.
    mutating func remove(_ key: Key) {
        guard let link = links.removeValue(forKey: key) else { return }
        if let newer = link.newer { links[newer]?.older = link.older } else { newest = link.older }
        if let older = link.older { links[older]?.newer = link.newer } else { oldest = link.newer }
    }

    mutating func removeAll() {
        links.removeAll()
        newest = nil
        oldest = nil
    }
}
