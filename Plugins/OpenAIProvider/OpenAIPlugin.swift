import CPatchbayPlugin
import PatchbayPluginKit

/// The OpenAI provider: Chat Completions, streamed, and embeddings (`POST {base_url}/embeddings`, ABI 1.3), against api.openai.com or any compatible
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
        capabilities: [.stream, .usage, .cancel, .embeddings, "retry", "openai-compatible"],
        models: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "text-embedding-3-small", "text-embedding-3-large"],
        description: "OpenAI Chat Completions and embeddings, or any OpenAI-compatible server via base_url"
    )

    static let knownKeys = UpstreamSettings.keys.union(["organization", "project", "max_tokens_field"])

    let client: UpstreamChatClient<OpenAIWireFormat>

    init(client: UpstreamChatClient<OpenAIWireFormat>) {
        self.client = client
    }

    /// Embeds through `POST {base_url}/embeddings` (the manifest lists `embeddings`, so the kit exports `embed_start`).
    func startEmbedding(_ request: EmbeddingCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try client.startEmbedding(request, events: events)
    }
}

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    PluginExport.descriptor(for: OpenAIPlugin.self, hostMajor: hostMajor, hostMinor: hostMinor)
}
