import CMalloc
import Glibc
import Logging
import ServiceLifecycle

/// Hands the memory a burst of calls freed back to the system once the server is quiet again.
///
/// glibc keeps freed memory in its arenas (one per thread that allocated, up to eight per core),
/// so after 2,000 held streams had ended the process kept about as much resident memory as at
/// their peak. `malloc_trim(0)` returns the free pages of every arena; it takes the arenas'
/// locks for a moment, so it runs only when no call is in flight and there was a burst
/// (at least `burst` calls at once) since the last trim — never in the middle of traffic.
struct HeapTrimmer: Service {
    let activeCalls: ActiveCalls
    /// How often the quiet is checked.
    var interval: Duration = .seconds(5)
    /// How many calls at once count as a burst worth trimming after.
    var burst = 32
    let logger: Logger

    func run() async throws {
        // Cancelled at graceful shutdown, so the sleep ends at once instead of holding the
        // services after it (the conversation store) for up to an interval.
        try? await cancelWhenGracefulShutdown {
            var busiest = 0
            while true {
                try await Task.sleep(for: interval)
                let (now, peak) = activeCalls.takePeak()
                busiest = max(busiest, peak)
                guard now == 0, busiest >= burst else { continue }
                busiest = 0
                let released = malloc_trim(0) != 0
                logger.debug("heap trimmed after a burst of calls", metadata: ["released": .stringConvertible(released)])
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
