import CoreMetrics
import Prometheus

/// The host's metrics: recorded through swift-metrics, kept in a Prometheus registry of this
/// gateway's own, and rendered as Prometheus text at `GET /metrics`.
///
/// The registry is per gateway rather than the process-wide `MetricsSystem`, so several servers
/// in one process (tests) each count their own traffic. Every metric name is always used with
/// the same label names: the Prometheus registry requires it.
public final class PatchbayMetrics: Sendable {
    /// The registry the metrics live in.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// Streams open now, across every route.
    private let activeStreams: Meter

    /// Creates an empty set of metrics.
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Finer than the library's default (5 ms and up): a gateway adds well under a millisecond.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        // Patchbay's own share of a request is counted in tens of microseconds.
        factory.durationHistogramBuckets["patchbay_overhead_seconds"] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
        ]
        self.registry = registry
        self.factory = factory
        self.activeStreams = Meter(label: "patchbay_active_streams", factory: factory)
        // Present from the start, so a scrape shows the zero rather than nothing.
        activeStreams.set(0)
    }

    /// The registry's contents in the Prometheus text format.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// One HTTP request has ended (for a stream: when its body has been written).
    /// - Parameter route: the matched route's pattern, so ids in paths do not multiply series.
    /// - Parameter overhead: Patchbay's own time until the response head, providers' time left out.
    func requestEnded(method: String, route: String, status: Int, duration: Duration, overhead: Duration) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: "patchbay_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "patchbay_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        Timer(label: "patchbay_overhead_seconds", dimensions: [("route", route)], factory: factory).recordNanoseconds(overhead.nanoseconds)
    }

    /// A provider call has ended: its total time, and the time to its first text if it had any.
    func providerCallEnded(provider: String, model: String, outcome: String, duration: Duration, timeToFirstToken: Duration?) {
        let dimensions = [("provider", provider), ("model", model)]
        Counter(label: "patchbay_provider_calls_total", dimensions: dimensions + [("outcome", outcome)], factory: factory).increment()
        Timer(label: "patchbay_provider_latency_seconds", dimensions: dimensions, factory: factory).recordNanoseconds(duration.nanoseconds)
        if let timeToFirstToken {
            Timer(label: "patchbay_provider_time_to_first_token_seconds", dimensions: dimensions, factory: factory)
                .recordNanoseconds(timeToFirstToken.nanoseconds)
        }
    }

    /// Tokens a reply used, as its provider reported them.
    func tokensUsed(assistant: String, provider: String, model: String, input: Int, output: Int) {
        let dimensions = [("assistant", assistant), ("provider", provider), ("model", model)]
        Counter(label: "patchbay_tokens_total", dimensions: dimensions + [("kind", "input")], factory: factory).increment(by: input)
        Counter(label: "patchbay_tokens_total", dimensions: dimensions + [("kind", "output")], factory: factory).increment(by: output)
    }

    /// A stream has opened (`true`) or ended (`false`).
    func streamOpened(_ opened: Bool) {
        if opened { activeStreams.increment() } else { activeStreams.decrement() }
    }

    /// A request was refused by a rate limit.
    /// - Parameter limit: which limit: a window's name (`minute`, `tokens_per_day`, …) or `streams`.
    /// A wrong API key was presented.
    func authenticationFailed() {
        Counter(label: "patchbay_auth_failures_total", factory: factory).increment()
    }

    /// An address was refused for too many wrong keys.
    func authenticationThrottled() {
        Counter(label: "patchbay_auth_throttled_total", factory: factory).increment()
    }

    func rateLimitRefused(limit: String) {
        Counter(label: "patchbay_rate_limit_refusals_total", dimensions: [("limit", limit)], factory: factory).increment()
    }

    /// A target's circuit breaker changed state: the `patchbay_circuit_state` gauge (0 closed,
    /// 1 half-open, 2 open) and the count of changes to each state.
    func circuitChanged(provider: String, model: String, to state: CircuitBreaker.State) {
        let dimensions = [("provider", provider), ("model", model)]
        Meter(label: "patchbay_circuit_state", dimensions: dimensions, factory: factory).set(state.gaugeValue)
        Counter(label: "patchbay_circuit_transitions_total", dimensions: dimensions + [("state", state.rawValue)], factory: factory).increment()
    }

    /// An API key was set aside for a while: the upstream rate-limited (429) or rejected (401) it.
    /// - Parameter key: its place in the provider's `api_keys:` (never the key).
    func keyCooledDown(provider: String, key: Int, reason: String) {
        let dimensions = [("provider", provider), ("key", String(key)), ("reason", reason)]
        Counter(label: "patchbay_provider_key_cooldowns_total", dimensions: dimensions, factory: factory).increment()
    }

    /// A turn moved on from a target that failed before any text.
    /// - Parameters: the assistant, the target that failed (provider, model), and its error code.
    func fallbackTaken(assistant: String, provider: String, model: String, reason: String) {
        let dimensions = [("assistant", assistant), ("provider", provider), ("model", model), ("reason", reason)]
        Counter(label: "patchbay_fallbacks_total", dimensions: dimensions, factory: factory).increment()
    }

    /// Plugin files refused while loading (at start-up or on a reload).
    func pluginLoadFailed(count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "patchbay_plugin_load_failures_total", factory: factory).increment(by: count)
    }

    /// A call to the rate-limit store failed (Redis down or too slow).
    /// - Parameter operation: `acquire`, `status`, `record` or `ping`.
    func limitStoreFailed(operation: String) {
        Counter(label: "patchbay_limit_store_failures_total", dimensions: [("operation", operation)], factory: factory).increment()
    }

    /// Whether the rate-limit store answers: the `patchbay_limit_store_reachable` gauge (1 or 0).
    func limitStoreReachable(_ reachable: Bool) {
        Meter(label: "patchbay_limit_store_reachable", factory: factory).set(reachable ? 1 : 0)
    }

    /// A configuration or plugin reload was attempted.
    /// - Parameter result: `applied`, `rejected` or `unchanged`.
    func configReloaded(result: String) {
        Counter(label: "patchbay_config_reloads_total", dimensions: [("result", result)], factory: factory).increment()
    }
}

extension PatchbayMetrics {
    /// A cache lookup's result: `hit`, `semantic_hit`, `miss` or `bypass`.
    func cacheLookedUp(assistant: String, result: String) {
        Counter(label: "patchbay_cache_lookups_total", dimensions: [("assistant", assistant), ("result", result)], factory: factory).increment()
    }

    /// An assistant's cache after an insert or a clear: its size, and the entries evicted to make room.
    func cacheStored(assistant: String, entries: Int, bytes: Int, evictions: Int) {
        let dimensions = [("assistant", assistant)]
        Meter(label: "patchbay_cache_entries", dimensions: dimensions, factory: factory).set(entries)
        Meter(label: "patchbay_cache_bytes", dimensions: dimensions, factory: factory).set(bytes)
        let evicted = Counter(label: "patchbay_cache_evictions_total", dimensions: dimensions, factory: factory)
        if evictions > 0 { evicted.increment(by: evictions) }
    }

    /// A call to the response cache's shared store (Redis) failed: `reply`, `store`, `clear` or `usage`.
    func cacheStoreFailed(operation: String) {
        Counter(label: "patchbay_cache_store_failures_total", dimensions: [("operation", operation)], factory: factory).increment()
    }

    /// Whether the response cache's shared store answers: the `patchbay_cache_store_reachable` gauge (1 or 0).
    func cacheStoreReachable(_ reachable: Bool) {
        Meter(label: "patchbay_cache_store_reachable", factory: factory).set(reachable ? 1 : 0)
    }

    /// The embedder failed, so a lookup went without the semantic cache.
    func cacheEmbeddingFailed(assistant: String) {
        Counter(label: "patchbay_cache_embedding_failures_total", dimensions: [("assistant", assistant)], factory: factory).increment()
    }
}
