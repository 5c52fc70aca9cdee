/// One call the turn makes: a target, the key to call it with, and whether it is its breaker's probe.
struct RouteAttempt: Sendable {
    let target: TargetRoute
    let key: ProviderKey
    /// Whether this call is the probe of the target's half-open breaker.
    let probe: Bool
}

/// The order in which one turn tries an assistant's targets, decided as it goes: a primary
/// chosen by weight, then the other primaries (by weight again), then the fallbacks in file
/// order. A target is skipped while its breaker is open or every key of its provider cools
/// down; a call the upstream refused for its key is made again with another key of the same
/// target, if one is left.
struct RoutingPlan {
    private let health: RoutingHealth
    /// The targets, in the order this turn tries them.
    private let order: [TargetRoute]
    private var position = 0
    /// The target being tried, and the keys it was tried with.
    private var current: (target: TargetRoute, triedKeys: Set<Int>)?

    /// Orders `targets` for one turn.
    /// - Parameter random: a uniformly random 64-bit number (tests seed it).
    @inline(never)  // as `next`
    init(targets: [TargetRoute], health: RoutingHealth, random: () -> UInt64) {
        self.health = health
        self.order = Self.weightedOrder(targets.filter { !$0.target.isFallback }, random: random) + targets.filter(\.target.isFallback)
    }

    /// The next call to make, or nil when no target is left that can take one.
    /// - Parameter verdict: how the previous call ended (nil before the first).
    // Never inlined: called in the async retry loop of a turn's start, its temporaries would go
    // into that loop's async frame, which every turn holds until its first event, and a
    // WebSocket turn's task until its reply ends.
    @inline(never)
    mutating func next(after verdict: CallVerdict?) -> RouteAttempt? {
        if let verdict, verdict.blamesKey, let current, let attempt = attempt(on: current.target, skipping: current.triedKeys) {
            return attempt
        }
        while position < order.count {
            let target = order[position]
            position += 1
            if let attempt = attempt(on: target, skipping: []) { return attempt }
        }
        return nil
    }

    /// A call to `target` with a key in use not tried yet, if its breaker lets one through.
    private mutating func attempt(on target: TargetRoute, skipping tried: Set<Int>) -> RouteAttempt? {
        let usable = health.usableKeys(of: target.provider).filter { !tried.contains($0.index) }
        guard !usable.isEmpty else { return nil }
        let probe: Bool
        switch health.admit(target) {
        case .call: probe = false
        case .probe: probe = true
        case .refused: return nil
        }
        let key = usable[target.provider.rotation.next() % usable.count]
        current = (target, tried.union([key.index]))
        return RouteAttempt(target: target, key: key, probe: probe)
    }

    /// The primaries in a weighted random order: each pick among those left is proportional to
    /// its weight (so the first is the weighted choice, and a skipped one hands its share on).
    static func weightedOrder(_ primaries: [TargetRoute], random: () -> UInt64) -> [TargetRoute] {
        var left = primaries
        var ordered: [TargetRoute] = []
        while left.count > 1 {
            let total = left.reduce(0) { $0 + $1.target.weight }
            // Uniform in [0, total) from the top 53 bits.
            var point = Int(Double(random() >> 11) * 0x1p-53 * Double(total))
            var index = 0
            while point >= left[index].target.weight {
                point -= left[index].target.weight
                index += 1
            }
            ordered.append(left.remove(at: index))
        }
        return ordered + left
    }
}
