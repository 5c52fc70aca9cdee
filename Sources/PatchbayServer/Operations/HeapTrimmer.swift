import CMalloc
import Glibc
import Logging
import ServiceLifecycle

/// Hands the memory a burst freed back to the system once the burst is over.
///
/// glibc keeps freed memory in its arenas (one per thread that allocated, up to eight per core),
/// so after 2,000 held streams had ended the process kept about as much resident memory as at
/// their peak. `malloc_trim(0)` returns the free pages of every arena; it takes the arenas'
/// locks for a moment, so it runs only after a burst (see ``TrimPolicy``), never while one
/// goes on.
struct HeapTrimmer: Service {
    let activeCalls: ActiveCalls
    let handling: RequestsInHandling
    /// How often the counts are checked: often enough that a burst's memory comes back within
    /// a second or so of its end, while the checks themselves cost two lock-protected reads.
    var interval: Duration = .seconds(1)
    var policy = TrimPolicy()
    let logger: Logger

    func run() async throws {
        // Cancelled at graceful shutdown, so the sleep ends at once instead of holding the
        // services after it (the conversation store) for up to an interval.
        try? await cancelWhenGracefulShutdown {
            var policy = policy
            while true {
                try await Task.sleep(for: interval)
                guard policy.shouldTrim(calls: activeCalls.takePeak(), requests: handling.takePeak()) else { continue }
                let released = malloc_trim(0) != 0
                logger.debug("heap trimmed after a burst", metadata: ["released": .stringConvertible(released)])
            }
        }
    }

    /// Caps glibc's malloc arenas before the server's threads start allocating: the default of
    /// eight per core lets every event-loop, pool and plugin thread keep its own arena of freed
    /// memory. `MALLOC_ARENA_MAX` in the environment, if set, wins (glibc reads it itself).
    static func limitArenas(to count: Int32 = 4) {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = mallopt(patchbay_m_arena_max, count)
    }
}

/// When a burst is over: a burst is at least `burst` provider calls, or requests in handling,
/// at once since the last trim.
///
/// - Calls: once none is in flight, what they took (streams, buffers, libcurl's transfers) is free.
/// - Requests: once a whole check went by without one in handling, what their handling took
///   (the frames of the middleware, the routes and the start of every turn, freed with its child
///   task) is free, even while their replies go on streaming. A burst of streams that all start
///   at once leaves that much behind in the heap for as long as they stream. A whole check, not
///   a moment without one: under steady traffic, requests in handling touch zero all the time.
struct TrimPolicy {
    /// How many at once count as a burst worth trimming after.
    let burst: Int
    private var busiestCalls = 0
    private var busiestRequests = 0

    init(burst: Int = 32) {
        self.burst = burst
    }

    /// Whether to trim now, given the counts (now, and the most at once since the last check).
    mutating func shouldTrim(calls: (now: Int, peak: Int), requests: (now: Int, peak: Int)) -> Bool {
        busiestCalls = max(busiestCalls, calls.peak)
        busiestRequests = max(busiestRequests, requests.peak)
        let afterCalls = calls.now == 0 && busiestCalls >= burst
        let afterRequests = requests.peak == 0 && busiestRequests >= burst
        if afterCalls { busiestCalls = 0 }
        if afterRequests { busiestRequests = 0 }
        return afterCalls || afterRequests
    }
}
