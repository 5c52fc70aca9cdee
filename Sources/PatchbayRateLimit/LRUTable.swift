/// A dictionary that remembers use order and holds at most `capacity` entries, dropping the least
/// recently used one to make room. Every operation but ``removeAll(where:)`` is O(1).
///
/// The entries form a doubly linked list threaded through an array of slots (newest at the head),
/// so neither a lookup nor an eviction walks the table.
struct LRUTable<Value> {
    private struct Node {
        var key: String
        var value: Value
        /// The slot of the next newer entry, or -1.
        var newer: Int
        /// The slot of the next older entry, or -1.
        var older: Int
    }

    /// The most entries the table holds.
    let capacity: Int
    private var nodes: [Node?] = []
    private var freeSlots: [Int] = []
    private var slots: [String: Int] = [:]
    private var newest = -1
    private var oldest = -1

    init(capacity: Int) {
        precondition(capacity > 0, "an LRU table holds at least one entry")
        self.capacity = capacity
    }

    /// How many entries the table holds.
    var count: Int { self.slots.count }

    /// The value for `key`, without marking it used.
    func peek(_ key: String) -> Value? {
        self.slots[key].flatMap { self.nodes[$0]?.value }
    }

    /// The keys, most recently used first.
    var keysNewestFirst: [String] {
        var keys: [String] = []
        var slot = self.newest
        while slot >= 0, let node = self.nodes[slot] {
            keys.append(node.key)
            slot = node.older
        }
        return keys
    }

    /// Runs `body` on the value for `key` and marks it the most recently used; a missing key is
    /// first inserted with `makeValue()`, evicting the least recently used entry if the table is
    /// full.
    mutating func withValue<Result>(
        forKey key: String,
        default makeValue: () -> Value,
        _ body: (inout Value) -> Result
    ) -> Result {
        let slot: Int
        if let existing = self.slots[key] {
            slot = existing
            self.unlink(slot)
        } else {
            if self.slots.count >= self.capacity, self.oldest >= 0 {
                self.remove(slot: self.oldest)
            }
            let node = Node(key: key, value: makeValue(), newer: -1, older: -1)
            if let free = self.freeSlots.popLast() {
                slot = free
                self.nodes[slot] = node
            } else {
                slot = self.nodes.count
                self.nodes.append(node)
            }
            self.slots[key] = slot
        }
        self.linkAsNewest(slot)
        return body(&self.nodes[slot]!.value)
    }

    /// Removes every entry whose value matches; returns how many were removed. O(count).
    @discardableResult
    mutating func removeAll(where shouldRemove: (Value) -> Bool) -> Int {
        var removed = 0
        var slot = self.oldest
        while slot >= 0, let node = self.nodes[slot] {
            let newer = node.newer
            if shouldRemove(node.value) {
                self.remove(slot: slot)
                removed += 1
            }
            slot = newer
        }
        return removed
    }

    private mutating func remove(slot: Int) {
        guard let node = self.nodes[slot] else { return }
        self.unlink(slot)
        self.slots[node.key] = nil
        self.nodes[slot] = nil
        self.freeSlots.append(slot)
    }

    private mutating func unlink(_ slot: Int) {
        guard let node = self.nodes[slot] else { return }
        if node.newer >= 0 { self.nodes[node.newer]!.older = node.older } else { self.newest = node.older }
        if node.older >= 0 { self.nodes[node.older]!.newer = node.newer } else { self.oldest = node.newer }
        self.nodes[slot]!.newer = -1
        self.nodes[slot]!.older = -1
    }

    private mutating func linkAsNewest(_ slot: Int) {
        self.nodes[slot]!.older = self.newest
        self.nodes[slot]!.newer = -1
        if self.newest >= 0 { self.nodes[self.newest]!.newer = slot }
        self.newest = slot
        if self.oldest < 0 { self.oldest = slot }
    }
}
