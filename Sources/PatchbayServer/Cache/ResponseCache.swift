import Foundation
import Logging
import PatchbayConfig
import Synchronization

/// The response cache: every assistant's entries, looked up before a provider is called and
/// filled when a reply completes. Kept across reloads; each lookup reads the settings of the
/// request's own snapshot, so a reload that changes a system prompt or a parameter simply stops
/// matching the old entries, and one that lowers `max_bytes` evicts on the next insert.
public final class ResponseCache: Sendable {
    /// Turns a question into a vector (the assistant's `semantic.embedder`); throws when it cannot.
    typealias Embedder = @Sendable (String) async throws -> [Float]

    /// What a lookup found.
    enum Lookup: Sendable {
        /// A reply to replay, and the report for the door.
        case hit(CachedReply, CacheReport)
        /// Nothing: the provider answers, and `fill` keeps its reply.
        case miss(CacheFill)
    }

    private struct Counters {
        var hits = 0
        var semanticHits = 0
        var misses = 0
        var bypasses = 0
        var lookupTime = Duration.zero
    }

    private let partitions = Mutex<[String: CachePartition]>([:])
    private let counters = Mutex(Counters())
    private let metrics: PatchbayMetrics
    private let now: @Sendable () -> Date

    /// Creates an empty cache.
    /// - Parameter now: the clock entries expire by (tests pin it).
    public init(metrics: PatchbayMetrics, now: @escaping @Sendable () -> Date) {
        self.metrics = metrics
        self.now = now
    }

    /// Looks `question` up: by exact key (the caller's scope, then the operator's warmed
    /// entries), then — when the assistant has an embedder — by the nearest question in the
    /// same context. An embedder that fails makes a miss, logged: the cache never fails a turn.
    func lookup(_ question: CacheQuestion, embedder: Embedder?, logger: Logger) async -> Lookup {
        let started = ContinuousClock.now
        let settings = question.settings
        let time = now()
        if settings.exact {
            for key in question.keys {
                if let reply = partitions.withLock({ $0[question.assistant]?.reply(for: key.exact, now: time) }) {
                    return hit(reply, CacheReport(status: .hit, key: key.exact, similarity: 1), semantic: false, question: question, since: started)
                }
            }
        }
        var vector: [Float]? = nil
        if let semantic = settings.semantic, let embedder {
            do {
                vector = SemanticIndex.normalized(try await embedder(question.keys[0].prompt))
                if vector == nil { logger.warning("cache: the embedder returned a zero vector", metadata: ["provider": .string(semantic.embedder)]) }
            } catch {
                logger.warning("cache: embedding failed, answering without the semantic cache: \(error)",
                               metadata: ["provider": .string(semantic.embedder)])
                metrics.cacheEmbeddingFailed(assistant: question.assistant)
            }
            if let vector {
                for key in question.keys {
                    let found = partitions.withLock { $0[question.assistant]?.nearest(in: key.context, to: vector, now: now()) }
                    if let found, Double(found.similarity) >= semantic.threshold {
                        let report = CacheReport(status: .hit, key: found.key, similarity: (Double(found.similarity) * 10_000).rounded() / 10_000)
                        return hit(found.reply, report, semantic: true, question: question, since: started)
                    }
                }
            }
        }
        counters.withLock {
            $0.misses += 1
            $0.lookupTime += started.duration(to: .now)
        }
        metrics.cacheLookedUp(assistant: question.assistant, result: "miss")
        let key = question.keys[0]
        return .miss(CacheFill(assistant: question.assistant, key: key, vector: vector, settings: settings,
                               report: CacheReport(status: .miss, key: key.exact, similarity: nil)))
    }

    private func hit(_ reply: CachedReply, _ report: CacheReport, semantic: Bool, question: CacheQuestion, since started: ContinuousClock.Instant) -> Lookup {
        counters.withLock {
            $0.hits += 1
            if semantic { $0.semanticHits += 1 }
            $0.lookupTime += started.duration(to: .now)
        }
        metrics.cacheLookedUp(assistant: question.assistant, result: semantic ? "semantic_hit" : "hit")
        return .hit(reply, report)
    }

    /// Counts a request that did not look (the client said `no-cache`).
    func bypassed(assistant: String) {
        counters.withLock { $0.bypasses += 1 }
        metrics.cacheLookedUp(assistant: assistant, result: "bypass")
    }

    /// Keeps a completed reply.
    func store(_ reply: CachedReply, for fill: CacheFill) {
        let time = now()
        let settings = fill.settings
        let (evicted, size) = partitions.withLock { partitions in
            var partition = partitions[fill.assistant] ?? CachePartition()
            let before = partition.evictions
            partition.insert(reply, key: fill.key.exact, vector: fill.vector, group: fill.key.context,
                             ttl: TimeInterval(settings.ttlSeconds), maxBytes: settings.maxBytes, now: time)
            partitions[fill.assistant] = partition
            return (partition.evictions - before, partition)
        }
        metrics.cacheStored(assistant: fill.assistant, entries: size.count, bytes: size.bytes, evictions: evicted)
    }

    /// Removes entries whose prompt contains `pattern` (case-insensitively), or all of them.
    /// - Returns: how many were removed.
    public func clear(matching pattern: String?) -> Int {
        let (removed, sizes) = partitions.withLock { partitions in
            var removed = 0
            for assistant in partitions.keys { removed += partitions[assistant]!.clear(matching: pattern) }
            return (removed, partitions.mapValues { ($0.count, $0.bytes) })
        }
        for (assistant, size) in sizes { metrics.cacheStored(assistant: assistant, entries: size.0, bytes: size.1, evictions: 0) }
        return removed
    }

    /// The figures of `GET /api/v1/cache/stats`.
    /// - Parameter capacity: the sum of the cached assistants' `max_bytes` now.
    public func stats(capacity: Int) -> CacheStats {
        let counted = counters.withLock { $0 }
        let held = partitions.withLock { partitions in
            partitions.values.reduce(into: (entries: 0, bytes: 0, evictions: 0, last: Date?.none)) { sum, partition in
                sum.entries += partition.count
                sum.bytes += partition.bytes
                sum.evictions += partition.evictions
                if let last = partition.lastEviction, last > (sum.last ?? .distantPast) { sum.last = last }
            }
        }
        let lookups = counted.hits + counted.misses
        return CacheStats(
            hits: counted.hits, misses: counted.misses, bypasses: counted.bypasses, semanticHits: counted.semanticHits,
            entries: held.entries, bytes: held.bytes, capacity: capacity, evictions: held.evictions, lastEviction: held.last,
            averageLookupMilliseconds: lookups == 0 ? 0 : counted.lookupTime.seconds * 1000 / Double(lookups))
    }
}

/// A request as the cache sees it.
struct CacheQuestion: Sendable {
    let assistant: String
    let settings: CacheSettings
    /// The caller's key first, then the operator's (warmed entries).
    let keys: [CacheKey]
}

/// A miss to fill once the provider's reply completes.
struct CacheFill: Sendable {
    let assistant: String
    let key: CacheKey
    /// The question's embedding, when the lookup made one.
    let vector: [Float]?
    let settings: CacheSettings
    /// What the door tells its client.
    let report: CacheReport
}
