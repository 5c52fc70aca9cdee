import CPatchbayPlugin
import PatchbayPluginKit

/// The Google Gemini provider: the Gemini API's `generateContent`, streamed.
///
/// ```yaml
/// gemini:
///   plugin: gemini
///   base_url: https://generativelanguage.googleapis.com
///   api_key: "${GEMINI_API_KEY}"      # sent in x-goog-api-key, never in the URL
///   # …and the shared upstream settings (deadlines, retries): see UpstreamSettings
/// ```
public final class GeminiPlugin: ProviderPlugin {
    public static let name = "gemini"
    public static let version = "1.0.0"
    public static let manifest = PluginManifest(
        capabilities: [.stream, .usage, .cancel, "retry"],
        models: ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash"],
        description: "Google Gemini API (generateContent)"
    )

    static let knownKeys = UpstreamSettings.keys

    private let client: UpstreamChatClient<GeminiWireFormat>

    public static func checkSettings(_ settings: PluginSettings) throws {
        _ = try GeminiWireFormat(settings)
    }

    public init(settings: PluginSettings, log: HostLog) throws {
        let format = try GeminiWireFormat(settings)
        client = try UpstreamChatClient(format: format, upstream: format.upstream, plugin: Self.name, version: Self.version, log: log)
    }

    public func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try client.startChat(request, events: events)
    }

    public func shutdown() {
        client.shutdown()
    }
}

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    PluginExport.descriptor(for: GeminiPlugin.self, hostMajor: hostMajor, hostMinor: hostMinor)
}
