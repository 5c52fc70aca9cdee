import CPatchbayPlugin
import PatchbayPluginKit

/// The OpenAI provider: Chat Completions, streamed, against api.openai.com or any compatible
/// server (Ollama, vLLM, llama.cpp's server, Azure-style gateways) through `base_url`.
///
/// ```yaml
/// openai:
///   plugin: openai
///   base_url: https://api.openai.com/v1
///   api_key: "${OPENAI_API_KEY}"
///   organization: org-…            # optional: OpenAI-Organization
///   project: proj_…                # optional: OpenAI-Project
///   max_tokens_field: max_tokens   # or max_completion_tokens (newer models)
///   # …and the shared upstream settings (deadlines, retries): see UpstreamSettings
/// ```
final class OpenAIPlugin: UpstreamChatPlugin {
    public static let name = "openai"
    public static let version = "1.0.0"
    public static let manifest = PluginManifest(
        capabilities: [.stream, .usage, .cancel, "retry", "openai-compatible"],
        models: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini"],
        description: "OpenAI Chat Completions, or any OpenAI-compatible server via base_url"
    )

    static let knownKeys = UpstreamSettings.keys.union(["organization", "project", "max_tokens_field"])

    let client: UpstreamChatClient<OpenAIWireFormat>

    init(client: UpstreamChatClient<OpenAIWireFormat>) {
        self.client = client
    }
}

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    PluginExport.descriptor(for: OpenAIPlugin.self, hostMajor: hostMajor, hostMinor: hostMinor)
}
