import CPatchbayPlugin
import PatchbayPluginKit

/// The Anthropic provider: the Messages API, streamed.
///
/// ```yaml
/// anthropic:
///   plugin: anthropic
///   base_url: https://api.anthropic.com
///   api_key: "${ANTHROPIC_API_KEY}"
///   anthropic_version: "2023-06-01"   # the anthropic-version header
///   max_tokens: 4096                   # sent when the assistant sets none (the API requires it)
///   # …and the shared upstream settings (deadlines, retries): see UpstreamSettings
/// ```
final class AnthropicPlugin: UpstreamChatPlugin {
    public static let name = "anthropic"
    public static let version = "1.0.0"
    public static let manifest = PluginManifest(
        capabilities: [.stream, .usage, .cancel, "retry"],
        models: ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "claude-3-5-haiku-latest"],
        description: "Anthropic Messages API"
    )

    static let knownKeys = UpstreamSettings.keys.union(["anthropic_version", "max_tokens"])

    let client: UpstreamChatClient<AnthropicWireFormat>

    init(client: UpstreamChatClient<AnthropicWireFormat>) {
        self.client = client
    }
}

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    PluginExport.descriptor(for: AnthropicPlugin.self, hostMajor: hostMajor, hostMinor: hostMinor)
}
