/// What every plugin for an HTTP chat API holds — its wire format, one transport (one libcurl
/// event thread for all its calls), the host's log — and the one way its calls start. Such a
/// plugin is then its settings, its manifest and one of these.
public final class UpstreamChatClient<Format: ChatWireFormat>: Sendable {
    /// The wire format the plugin was configured with.
    public let format: Format
    private let upstream: UpstreamSettings
    private let transport: HTTPTransport
    private let log: HostLog

    /// Starts the transport (its thread is named `pb-<plugin>`, its User-Agent `patchbay-<plugin>/<version>`).
    public init(format: Format, upstream: UpstreamSettings, plugin: String, version: String, log: HostLog) throws {
        self.format = format
        self.upstream = upstream
        self.transport = try upstream.makeTransport(threadName: "pb-\(plugin)", userAgent: "patchbay-\(plugin)/\(version)")
        self.log = log
        log.info("\(plugin): ready for \(upstream.baseURL)")
    }

    /// Starts one call under the settings' retry policy; the API key never reaches a log line or event.
    public func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try UpstreamChatCall.start(
            request, format: format, transport: transport, policy: upstream.retryPolicy,
            events: events, log: log, secrets: [upstream.apiKey]
        )
    }

    /// Stops the transport: what is in flight is aborted and its thread joined.
    public func shutdown() {
        transport.shutdown()
    }
}
