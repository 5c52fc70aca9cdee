import Foundation
import Logging
import PatchbayConfig
import Synchronization

/// The response cache: every assistant's entries, looked up before a provider is called and
/// filled when a reply completes. Kept across reloads; each lookup reads the settings of the
/// request's own snapshot, so a reload that changes a system prompt or a parameter simply stops
/// matching the old entries, and one that lowers `max_bytes` evicts on the next insert.
///
/// With a shared store (Redis, when `limits.store` names one), exact entries are looked up there,
/// shared by every instance; each instance still keeps its own partition: the semantic index,
/// and a copy of its own replies that answers exact lookups while the shared store fails.
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
    /// Where exact entries are shared, if anywhere, and whether it answers.
    private let shared: (any SharedReplyStore)?
    private let sharedHealth: ReplyStoreHealth

    /// Creates an empty cache.
    /// - Parameter now: the clock entries expire by (tests pin it).
    public convenience init(metrics: PatchbayMetrics, now: @escaping @Sendable () -> Date) {
        self.init(metrics: metrics, now: now, shared: nil)
    }

    /// Creates an empty cache whose exact entries live in `shared`, when given.
    init(metrics: PatchbayMetrics, now: @escaping @Sendable () -> Date, shared: (any SharedReplyStore)?) {
        self.metrics = metrics
        self.now = now
        self.shared = shared
        self.sharedHealth = ReplyStoreHealth(metrics: metrics, now: now())
    }

    /// Looks `question` up: by exact key (the caller's scope, then the operator's warmed
    /// entries), then — when the assistant has an embedder — by the nearest question in the
    /// same context. An embedder that fails makes a miss, logged: the cache never fails a turn.
    func lookup(_ question: CacheQuestion, embedder: Embedder?, logger: Logger) async -> Lookup {
        let started = ContinuousClock.now
        let settings = question.settings
        let time = now()
        if settings.exact {
            var sharedAnswers = shared != nil
            for key in question.keys {
                if let reply = await exactReply(question.assistant, key: key.exact, now: time, shared: &sharedAnswers, logger: logger) {
                    return hit(reply, CacheReport(status: .hit, key: key.exact, similarity: 1), question: question, since: started)
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
                        let similarity = (Double(found.similarity) * 10_000).rounded() / 10_000
                        return hit(found.reply, CacheReport(status: .hit, key: found.key, similarity: similarity, semantic: true),
                                   question: question, since: started)
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

    private func hit(_ reply: CachedReply, _ report: CacheReport, question: CacheQuestion, since started: ContinuousClock.Instant) -> Lookup {
        counters.withLock {
            $0.hits += 1
            if report.semantic { $0.semanticHits += 1 }
            $0.lookupTime += started.duration(to: .now)
        }
        metrics.cacheLookedUp(assistant: question.assistant, result: report.semantic ? "semantic_hit" : "hit")
        return .hit(reply, report)
    }

    /// The entry under `key`: from the shared store while it answers (`shared` turns false at its
    /// first failure, so the other keys of the lookup do not wait for it again), else from this
    /// instance's partition.
    private func exactReply(_ assistant: String, key: String, now time: Date, shared answers: inout Bool, logger: Logger) async -> CachedReply? {
        if answers, let shared {
            do {
                let reply = try await shared.reply(assistant: assistant, key: key)
                sharedHealth.succeeded(now: now(), logger: logger)
                return reply
            } catch {
                sharedHealth.failed(error, operation: "reply", now: now(), logger: logger)
                answers = false
            }
        }
        return partitions.withLock { $0[assistant]?.reply(for: key, now: time) }
    }

    /// Counts a request that did not look (the client said `no-cache`).
    func bypassed(assistant: String) {
        counters.withLock { $0.bypasses += 1 }
        metrics.cacheLookedUp(assistant: assistant, result: "bypass")
    }

    /// Keeps a completed reply: in this instance's partition, and in the shared store if there is one.
    func store(_ reply: CachedReply, for fill: CacheFill, logger: Logger) async {
        let time = now()
        let settings = fill.settings
        // In place: a copy taken out of the dictionary and put back would copy every vector.
        let (evicted, entries, bytes) = partitions.withLock { partitions in
            let before = partitions[fill.assistant]?.evictions ?? 0
            partitions[fill.assistant, default: CachePartition()].insert(
                reply, key: fill.key.exact, vector: fill.vector, group: fill.key.context,
                ttl: TimeInterval(settings.ttlSeconds), maxBytes: settings.maxBytes, now: time)
            let partition = partitions[fill.assistant]!
            return (partition.evictions - before, partition.count, partition.bytes)
        }
        metrics.cacheStored(assistant: fill.assistant, entries: entries, bytes: bytes, evictions: evicted)
        guard let shared, settings.exact else { return }
        do {
            _ = try await shared.store(reply, assistant: fill.assistant, key: fill.key.exact, ttlSeconds: settings.ttlSeconds, maxBytes: settings.maxBytes)
            sharedHealth.succeeded(now: now(), logger: logger)
        } catch {
            sharedHealth.failed(error, operation: "store", now: now(), logger: logger)
        }
    }

    /// Removes entries whose prompt contains `pattern` (case-insensitively), or all of them: in
    /// this instance's partition and in the shared store.
    /// - Returns: how many were removed: the shared store's count when there is one and it
    ///   answers (this instance's copies are copies of those), else this instance's.
    public func clear(matching pattern: String?, logger: Logger) async -> Int {
        let (removed, sizes) = partitions.withLock { partitions in
            var removed = 0
            for assistant in partitions.keys { removed += partitions[assistant]!.clear(matching: pattern) }
            return (removed, partitions.mapValues { ($0.count, $0.bytes) })
        }
        for (assistant, size) in sizes { metrics.cacheStored(assistant: assistant, entries: size.0, bytes: size.1, evictions: 0) }
        guard let shared else { return removed }
        do {
            let cleared = try await shared.clear(matching: pattern)
            sharedHealth.succeeded(now: now(), logger: logger)
            return cleared
        } catch {
            sharedHealth.failed(error, operation: "clear", now: now(), logger: logger)
            return removed
        }
    }

    /// The figures of `GET /api/v1/cache/stats`: this instance's lookups; the entries, bytes and
    /// evictions of the shared store when there is one and it answers, else of this instance.
    /// - Parameter capacity: the sum of the cached assistants' `max_bytes` now.
    public func stats(capacity: Int, logger: Logger) async -> CacheStats {
        let counted = counters.withLock { $0 }
        var held = partitions.withLock { partitions in
            partitions.values.reduce(into: (entries: 0, bytes: 0, evictions: 0, last: Date?.none)) { sum, partition in
                sum.entries += partition.count
                sum.bytes += partition.bytes
                sum.evictions += partition.evictions
                if let last = partition.lastEviction, last > (sum.last ?? .distantPast) { sum.last = last }
            }
        }
        if let shared {
            do {
                let usage = try await shared.usage()
                held = (usage.entries, usage.bytes, usage.evictions, usage.lastEviction)
                sharedHealth.succeeded(now: now(), logger: logger)
            } catch {
                sharedHealth.failed(error, operation: "usage", now: now(), logger: logger)
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
