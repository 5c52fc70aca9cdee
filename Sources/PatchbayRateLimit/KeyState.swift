/// A fixed window's count: requests (or tokens) counted since `start`.
struct WindowCounter: Sendable {
    /// The window's start, in microseconds since 1970.
    var start: Int64
    /// What has been counted in the window.
    var count: Int

    /// A counter for the window holding `now`, at zero.
    init(now: Int64, length: Int64) {
        self.start = Microseconds.windowStart(now, length: length)
        self.count = 0
    }

    /// A counter as a shared store holds it.
    init(start: Int64, count: Int) {
        self.start = start
        self.count = count
    }

    /// Starts over at zero if `now` is in a later window. A `now` earlier than the window (a clock
    /// stepped back) keeps counting in the current window, so it cannot be used to reset it.
    mutating func roll(to now: Int64, length: Int64) {
        let start = Microseconds.windowStart(now, length: length)
        if start > self.start {
            self.start = start
            self.count = 0
        }
    }
}

/// A token bucket in integer units: one request is ``unitsPerRequest`` units and the bucket gains
/// `refillPerMinute` units per microsecond, which is exactly `refillPerMinute` requests a minute.
struct BurstBucket: Sendable {
    static let unitsPerRequest: Int64 = 60 * Microseconds.perSecond

    /// What the bucket holds, in units.
    var level: Int64
    /// When ``level`` was last brought up to date.
    var updatedAt: Int64
    /// When the bucket is full again at the refill rate last used (for eviction).
    var fullAt: Int64

    /// A full bucket.
    init(capacity: Int64, now: Int64) {
        self.level = capacity
        self.updatedAt = now
        self.fullAt = now
    }

    /// A bucket as a shared store holds it.
    init(level: Int64, updatedAt: Int64, fullAt: Int64) {
        self.level = level
        self.updatedAt = updatedAt
        self.fullAt = fullAt
    }

    /// The capacity in units of a bucket holding `burst` requests (clamped so arithmetic cannot
    /// overflow).
    static func capacity(burst: Int) -> Int64 {
        let (units, overflow) = Int64(Swift.max(0, burst)).multipliedReportingOverflow(by: Self.unitsPerRequest)
        return overflow ? Int64.max / 4 : Swift.min(units, Int64.max / 4)
    }

    /// Adds what has refilled since ``updatedAt``, up to `capacity`. A `now` earlier than
    /// ``updatedAt`` refills nothing.
    mutating func refill(to now: Int64, capacity: Int64, refillPerMinute: Int64) {
        if now > self.updatedAt {
            let (added, overflow) = (now - self.updatedAt).multipliedReportingOverflow(by: refillPerMinute)
            self.level = overflow || added >= capacity - self.level ? capacity : self.level + added
            self.updatedAt = now
        }
        self.level = Swift.min(self.level, capacity)
    }
}

/// Everything counted for one key. A window the policy does not limit is not counted.
struct KeyState: Sendable {
    var minute: WindowCounter?
    var hour: WindowCounter?
    var day: WindowCounter?
    var burst: BurstBucket?
    var tokens: WindowCounter?
    /// From this moment on the state means nothing more than a fresh one, so it can be dropped.
    var expiresAt: Int64 = .min

    /// The fixed request windows: which limit of `policy` applies to each, and where its counter is.
    private static func fixedWindows(_ policy: RateLimitPolicy) -> [(RateLimitWindow, Int?, WritableKeyPath<KeyState, WindowCounter?>)] {
        [
            (.minute, policy.requestsPerMinute, \.minute),
            (.hour, policy.requestsPerHour, \.hour),
            (.day, policy.requestsPerDay, \.day),
        ]
    }

    /// Checks every window of `policy` at `now` and, if `count` is set and all of them admit a
    /// request, counts one in each. Returns where the windows stand afterwards.
    mutating func evaluate(policy: RateLimitPolicy, now: Int64, count: Bool) -> RateLimitDecision {
        let allowed = self.admit(policy: policy, now: now, count: count)
        return RateLimitDecision(allowed: allowed, windows: self.report(policy: policy, now: now))
    }

    /// Brings every window of `policy` up to date at `now` and, if `count` is set and all of them
    /// admit a request, counts one in each. Returns whether they all admitted it.
    ///
    /// ``RedisRateLimitStore``'s script does exactly this on the server: keep them in step.
    private mutating func admit(policy: RateLimitPolicy, now: Int64, count: Bool) -> Bool {
        let fixed = Self.fixedWindows(policy)
        let refill = policy.burstRefillPerMinute
        let capacity = policy.burst.map(BurstBucket.capacity(burst:)) ?? 0

        // Bring every window up to date and see whether all of them admit a request.
        var allowed = true
        for (window, limit, path) in fixed {
            guard let limit, let length = window.lengthMicroseconds else { continue }
            var counter = self[keyPath: path] ?? WindowCounter(now: now, length: length)
            counter.roll(to: now, length: length)
            self[keyPath: path] = counter
            allowed = allowed && counter.count < limit
        }
        if policy.burst != nil {
            var bucket = self.burst ?? BurstBucket(capacity: capacity, now: now)
            bucket.refill(to: now, capacity: capacity, refillPerMinute: refill)
            self.burst = bucket
            allowed = allowed && bucket.level >= BurstBucket.unitsPerRequest
        }
        if let limit = policy.tokensPerDay, let length = RateLimitWindow.tokensDay.lengthMicroseconds {
            var counter = self.tokens ?? WindowCounter(now: now, length: length)
            counter.roll(to: now, length: length)
            self.tokens = counter
            allowed = allowed && counter.count < limit
        }

        // Count the request everywhere, or nowhere.
        if allowed && count {
            for (_, limit, path) in fixed where limit != nil {
                self[keyPath: path]!.count += 1
            }
            if policy.burst != nil {
                self.burst!.level -= BurstBucket.unitsPerRequest
            }
        }
        return allowed
    }

    /// Where every window of `policy` stands at `now` (the state already brought up to date), and
    /// when the state expires.
    mutating func report(policy: RateLimitPolicy, now: Int64) -> [RateLimitWindowStatus] {
        let fixed = Self.fixedWindows(policy)
        let refill = policy.burstRefillPerMinute
        let capacity = policy.burst.map(BurstBucket.capacity(burst:)) ?? 0
        var windows: [RateLimitWindowStatus] = []
        for (window, limit, path) in fixed {
            guard let limit, let length = window.lengthMicroseconds, let counter = self[keyPath: path] else { continue }
            windows.append(Self.status(window, limit: limit, counter: counter, length: length, now: now))
        }
        if let burst = policy.burst, var bucket = self.burst {
            let resetAt = now + Microseconds.divideRoundingUp(capacity - bucket.level, refill)
            bucket.fullAt = resetAt
            self.burst = bucket
            let short = BurstBucket.unitsPerRequest - bucket.level
            windows.append(
                RateLimitWindowStatus(
                    window: .burst,
                    limit: Swift.max(0, burst),
                    remaining: Int(bucket.level / BurstBucket.unitsPerRequest),
                    resetAt: Microseconds.date(resetAt),
                    retryAfter: short > 0 ? .microseconds(Microseconds.divideRoundingUp(short, refill)) : nil
                )
            )
        }
        if let limit = policy.tokensPerDay, let length = RateLimitWindow.tokensDay.lengthMicroseconds, let counter = self.tokens {
            windows.append(Self.status(.tokensDay, limit: limit, counter: counter, length: length, now: now))
        }
        self.updateExpiry()
        return windows
    }

    /// Adds `tokens` to the daily token count of `now`'s UTC day.
    mutating func record(tokens: Int, now: Int64) {
        guard tokens > 0, let length = RateLimitWindow.tokensDay.lengthMicroseconds else { return }
        var counter = self.tokens ?? WindowCounter(now: now, length: length)
        counter.roll(to: now, length: length)
        let (sum, overflow) = counter.count.addingReportingOverflow(tokens)
        counter.count = overflow ? Int.max : sum
        self.tokens = counter
        self.updateExpiry()
    }

    /// Whether the state has nothing left that a fresh one would not have.
    func isExpired(at now: Int64) -> Bool {
        self.expiresAt <= now
    }

    private mutating func updateExpiry() {
        var expiresAt = Int64.min
        func extend(_ counter: WindowCounter?, _ window: RateLimitWindow) {
            if let counter, counter.count > 0, let length = window.lengthMicroseconds {
                expiresAt = Swift.max(expiresAt, counter.start + length)
            }
        }
        extend(self.minute, .minute)
        extend(self.hour, .hour)
        extend(self.day, .day)
        extend(self.tokens, .tokensDay)
        if let burst = self.burst {
            expiresAt = Swift.max(expiresAt, burst.fullAt)
        }
        self.expiresAt = expiresAt
    }

    private static func status(
        _ window: RateLimitWindow,
        limit: Int,
        counter: WindowCounter,
        length: Int64,
        now: Int64
    ) -> RateLimitWindowStatus {
        let end = counter.start + length
        let full = counter.count >= limit
        return RateLimitWindowStatus(
            window: window,
            limit: Swift.max(0, limit),
            remaining: Swift.max(0, limit - counter.count),
            resetAt: Microseconds.date(end),
            retryAfter: full ? .microseconds(Swift.max(1, end - now)) : nil
        )
    }
}
