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
final class GeminiPlugin: UpstreamChatPlugin {
    public static let name = "gemini"
    public static let version = "1.0.0"
    public static let manifest = PluginManifest(
        capabilities: [.stream, .usage, .cancel, "retry"],
        models: ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash"],
        description: "Google Gemini API (generateContent)"
    )

    static let knownKeys = UpstreamSettings.keys

    let client: UpstreamChatClient<GeminiWireFormat>

    init(client: UpstreamChatClient<GeminiWireFormat>) {
        self.client = client
    }
}

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    PluginExport.descriptor(for: GeminiPlugin.self, hostMajor: hostMajor, hostMinor: hostMinor)
}
