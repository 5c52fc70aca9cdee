/// The settings every upstream plugin shares, read from its providers.yaml block:
///
/// ```yaml
/// base_url: https://api.openai.com/v1
/// api_key: "${OPENAI_API_KEY}"
/// connect_timeout_ms: 10000       # deadlines, in milliseconds
/// first_byte_timeout_ms: 120000
/// idle_timeout_ms: 120000
/// total_timeout_ms: 900000
/// max_retries: 2                  # retries of retryable failures, before anything reached the client
/// retry_deadline_ms: 60000        # no retry that would start after this long
/// max_connections: 0              # per upstream host; 0 = no limit
/// ```
public struct UpstreamSettings: Sendable {
    /// The API's base URL, without a trailing slash.
    public var baseURL: String
    /// The API key.
    public var apiKey: String
    /// Deadlines for each transfer.
    public var timeouts: HTTPTimeouts
    /// When to retry.
    public var retryPolicy: RetryPolicy
    /// Connections per upstream host (0: no limit).
    public var maxConnections: Int

    /// The keys this reader knows, for plugins that refuse unknown keys.
    public static let keys: Set<String> = [
        "provider_name", "base_url", "api_key", "connect_timeout_ms", "first_byte_timeout_ms",
        "idle_timeout_ms", "total_timeout_ms", "max_retries", "retry_deadline_ms", "max_connections",
    ]

    /// Reads the shared settings.
    public init(_ settings: PluginSettings, defaultBaseURL: String) throws {
        var base = try settings.string("base_url") ?? defaultBaseURL
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw SettingsError.invalid("base_url", "base_url must start with http:// or https://")
        }
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        apiKey = try settings.requiredString("api_key")
        let defaults = HTTPTimeouts()
        timeouts = HTTPTimeouts(
            connect: try settings.milliseconds("connect_timeout_ms") ?? defaults.connect,
            firstByte: try settings.milliseconds("first_byte_timeout_ms") ?? defaults.firstByte,
            idle: try settings.milliseconds("idle_timeout_ms") ?? defaults.idle,
            total: try settings.milliseconds("total_timeout_ms") ?? defaults.total
        )
        var policy = RetryPolicy()
        policy.maxRetries = try settings.int("max_retries", in: 0...10) ?? policy.maxRetries
        policy.overallDeadline = try settings.milliseconds("retry_deadline_ms") ?? policy.overallDeadline
        retryPolicy = policy
        maxConnections = try settings.int("max_connections", in: 0...10_000) ?? 0
    }

    /// Refuses keys outside `known`: a typo in providers.yaml should fail `patchbay check`.
    public static func refuseUnknownKeys(_ settings: PluginSettings, known: Set<String>) throws {
        let unknown = settings.values.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw SettingsError.invalid(unknown[0], "unknown setting\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")); known: \(known.subtracting(["provider_name"]).sorted().joined(separator: ", "))")
        }
    }

    /// A transport for these settings: one event thread, connections kept alive and reused.
    public func makeTransport(threadName: String, userAgent: String) throws -> HTTPTransport {
        try HTTPTransport(configuration: .init(
            maxHostConnections: maxConnections, timeouts: timeouts, userAgent: userAgent, threadName: threadName
        ))
    }
}
