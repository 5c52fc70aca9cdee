import CPatchbayPlugin
import PatchbayPluginKit

/// The OpenAI Responses provider: `POST {base_url}/responses`, streamed, keeping the
/// conversation on OpenAI's side (ABI 1.2 state): each reply's response id is its DONE's
/// `state`, and the next turn of the conversation sends `previous_response_id` with only the
/// messages OpenAI has not seen.
///
/// ```yaml
/// responses:
///   plugin: openai-responses
///   base_url: https://api.openai.com/v1
///   api_key: "${OPENAI_API_KEY}"
///   organization: org-…            # optional: OpenAI-Organization
///   project: proj_…                # optional: OpenAI-Project
///   store: true                    # false: OpenAI keeps nothing, every turn sends the whole conversation
///   # …and the shared upstream settings (deadlines, retries): see UpstreamSettings
/// ```
public final class OpenAIResponsesPlugin: ProviderPlugin {
    public static let name = "openai-responses"
    public static let version = "1.0.0"
    public static let manifest = PluginManifest(
        capabilities: [.stream, .usage, .cancel, .state, "retry"],
        models: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "gpt-5", "gpt-5-mini"],
        description: "OpenAI Responses API, with the conversation kept by OpenAI (previous_response_id)"
    )

    static let knownKeys = UpstreamSettings.keys.union(["organization", "project", "store"])

    private let format: ResponsesWireFormat
    private let transport: HTTPTransport
    private let log: HostLog

    public static func checkSettings(_ settings: PluginSettings) throws {
        _ = try ResponsesWireFormat(settings)
    }

    public init(settings: PluginSettings, log: HostLog) throws {
        format = try ResponsesWireFormat(settings)
        transport = try format.upstream.makeTransport(threadName: "pb-responses", userAgent: "patchbay-openai-responses/\(Self.version)")
        self.log = log
        log.info("openai-responses: ready for \(format.upstream.baseURL)" + (format.store ? "" : " (store off: no state kept)"))
    }

    public func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try ThreadedResponsesCall.start(request, format: format, transport: transport, events: events, log: log)
    }

    public func shutdown() {
        transport.shutdown()
    }
}

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    PluginExport.descriptor(for: OpenAIResponsesPlugin.self, hostMajor: hostMajor, hostMinor: hostMinor)
}
