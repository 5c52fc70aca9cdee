/// A ``ChatWireFormat`` made from a provider's settings, which it keeps.
public protocol UpstreamWireFormat: ChatWireFormat {
    /// Creates the format from the provider's block of providers.yaml; throws on a bad setting.
    init(_ settings: PluginSettings) throws
    /// The shared upstream settings it was made with: base URL, key, deadlines, retries.
    var upstream: UpstreamSettings { get }
}

/// What every plugin for an HTTP chat API holds — its wire format, one transport (one libcurl
/// event thread for all its calls), the host's log — and the one way its calls start.
public final class UpstreamChatClient<Format: UpstreamWireFormat>: Sendable {
    /// The wire format the plugin was configured with.
    public let format: Format
    let transport: HTTPTransport
    let log: HostLog

    /// Starts the transport (its thread is named `pb-<plugin>`, its User-Agent `patchbay-<plugin>/<version>`).
    public init(format: Format, plugin: String, version: String, log: HostLog) throws {
        self.format = format
        self.transport = try format.upstream.makeTransport(threadName: "pb-\(plugin)", userAgent: "patchbay-\(plugin)/\(version)")
        self.log = log
        log.info("\(plugin): ready for \(format.upstream.baseURL)")
    }

    /// Starts one call under the settings' retry policy; the API key never reaches a log line or event.
    public func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try UpstreamChatCall.start(
            request, format: format, transport: transport, policy: format.upstream.retryPolicy,
            events: events, log: log, secrets: [format.upstream.apiKey]
        )
    }

    /// Stops the transport: what is in flight is aborted and its thread joined.
    public func shutdown() {
        transport.shutdown()
    }
}

/// A provider plugin that is an HTTP chat API: its name, version, manifest and wire format are
/// all it declares; settings checks, start-up, calls and shutdown come from here.
public protocol UpstreamChatPlugin: ProviderPlugin {
    /// How the API looks on the wire.
    associatedtype Format: UpstreamWireFormat
    /// The plugin's client, made by `init(settings:log:)`.
    var client: UpstreamChatClient<Format> { get }
    /// Wraps a client (called by `init(settings:log:)`).
    init(client: UpstreamChatClient<Format>)
}

extension UpstreamChatPlugin {
    /// Reads the settings as the format would, without starting anything.
    public static func checkSettings(_ settings: PluginSettings) throws {
        _ = try Format(settings)
    }

    /// Reads the settings and starts the transport.
    public init(settings: PluginSettings, log: HostLog) throws {
        self.init(client: try UpstreamChatClient(format: try Format(settings), plugin: Self.name, version: Self.version, log: log))
    }

    /// Starts a call through the client.
    public func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try client.startChat(request, events: events)
    }

    /// Stops the client's transport.
    public func shutdown() {
        client.shutdown()
    }
}
