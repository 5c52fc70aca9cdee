import CPatchbayPlugin
import PatchbayJSON

/// A provider plugin written in Swift. ``PluginExport/descriptor(for:hostMajor:hostMinor:)``
/// turns a conforming type into the ABI's descriptor, so the plugin's whole C surface is:
///
/// ```swift
/// @_cdecl("patchbay_plugin_entry_v1")
/// public func patchbayPluginEntryV1(_ major: UInt16, _ minor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
///     PluginExport.descriptor(for: OpenAIPlugin.self, hostMajor: major, hostMinor: minor)
/// }
/// ```
///
/// One value of the type is one provider instance (`instance_create` to `instance_destroy`).
/// `startChat` may be called from many threads at once, hence `Sendable`.
public protocol ProviderPlugin: AnyObject, Sendable {
    /// The plugin's name, unique among loaded plugins: `[a-z0-9_-]+` ("openai").
    static var name: String { get }
    /// The plugin's own version (semantic versioning), for display.
    static var version: String { get }
    /// What the plugin can do and which models it knows.
    static var manifest: PluginManifest { get }
    /// The lowest ABI 1.x minor version the plugin needs from the host (default 0).
    static var minimumHostMinor: UInt16 { get }

    /// Checks settings without creating an instance: no network, no threads (`config_check`).
    /// Throw a ``SettingsError`` (or any error whose description holds no secret). The kit also
    /// calls it before `init(settings:log:)`.
    static func checkSettings(_ settings: PluginSettings) throws

    /// Creates an instance (`instance_create`). Throwing refuses the configuration; the error's
    /// description goes to operators (prefixed with the plugin's name), so it must hold no secret.
    init(settings: PluginSettings, log: HostLog) throws

    /// Starts a chat call (`chat_start`) and returns at once — never wait for the network here.
    ///
    /// Emit the call's events through `events`, from any thread, exactly one terminal last (the
    /// sink drops anything after it). Return a handle whose `cancel()` stops the upstream work;
    /// the kit emits the CANCELLED error itself.
    ///
    /// Throw a ``PluginError`` to refuse the call without any event (`chat_start` then returns
    /// its status); other errors refuse it with `PATCHBAY_ERR_INVALID_ARGUMENT`. If events were
    /// already emitted, a throw ends the call with an INTERNAL_ERROR event instead.
    func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle

    /// Starts an embedding call (`embed_start`, ABI 1.3) and returns at once. Emit one
    /// `events.embedding(_:)` per input, in order, then `events.done()` (or `fail`); the rest is
    /// as for ``startChat(_:events:)``. The kit exports `embed_start` only for a plugin whose
    /// manifest lists ``PluginCapability/embeddings``; the default refuses every call.
    func startEmbedding(_ request: EmbeddingCallRequest, events: ChatEventSink) throws -> any ChatCallHandle

    /// Stops the instance (`instance_destroy`): every call has been released by then. Join your
    /// threads here (for example ``HTTPTransport/shutdown()``).
    func shutdown()
}

extension ProviderPlugin {
    /// ABI 1.0 is enough.
    public static var minimumHostMinor: UInt16 { 0 }

    /// Accepts any settings object.
    public static func checkSettings(_ settings: PluginSettings) throws {}

    /// Nothing to stop.
    public func shutdown() {}

    /// Refuses: the plugin does not embed (and, without the capability, is never asked to).
    public func startEmbedding(_ request: EmbeddingCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        throw PluginError.unavailable("\(Self.name) does not embed")
    }
}

/// A plugin's manifest: the descriptor's `manifest_json`.
public struct PluginManifest: Sendable, Equatable {
    /// What the plugin can do.
    public var capabilities: [PluginCapability]
    /// Models the plugin knows (the host does not refuse others).
    public var models: [String]
    /// A one-line description for operators.
    public var description: String

    /// Creates a manifest.
    public init(capabilities: [PluginCapability], models: [String], description: String) {
        self.capabilities = capabilities
        self.models = models
        self.description = description
    }

    /// The manifest as the ABI's JSON.
    public var json: String {
        "{\"capabilities\":\(JSONText.array(capabilities.map(\.rawValue))),\"models\":\(JSONText.array(models)),\"description\":\(JSONText.string(description))}"
    }
}

/// A capability named in the manifest.
public struct PluginCapability: Sendable, Hashable, ExpressibleByStringLiteral {
    /// The capability's name in the manifest JSON.
    public let rawValue: String

    /// Creates a capability from its name.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates a capability from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The plugin streams deltas as they come.
    public static let stream: PluginCapability = "stream"
    /// The plugin reports token usage.
    public static let usage: PluginCapability = "usage"
    /// The plugin stops upstream work on cancel.
    public static let cancel: PluginCapability = "cancel"
    /// The plugin keeps provider-side state per conversation (ABI 1.2): it reads the request's
    /// `state` and ends its replies with `done(finishReason:state:)`. The host passes state only
    /// to plugins that declare this.
    public static let state: PluginCapability = "state"
    /// The plugin embeds text (ABI 1.3): it implements ``ProviderPlugin/startEmbedding(_:events:)``,
    /// and the kit then exports `embed_start`. The host embeds only through plugins that declare it.
    public static let embeddings: PluginCapability = "embeddings"
}

/// An error that maps to one of the ABI's status codes: throw it from `startChat` to refuse a
/// call, or from `init(settings:log:)` to pick the status `instance_create` returns.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case invalidArgument
        case unavailable
        case noMemory
        case config
    }

    private let code: Code
    /// What went wrong, for operators. Holds no secret.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The arguments are malformed (`PATCHBAY_ERR_INVALID_ARGUMENT`).
    public static func invalidArgument(_ message: String) -> PluginError { PluginError(.invalidArgument, message) }
    /// The plugin cannot do this now (`PATCHBAY_ERR_UNAVAILABLE`).
    public static func unavailable(_ message: String) -> PluginError { PluginError(.unavailable, message) }
    /// Memory could not be allocated (`PATCHBAY_ERR_NO_MEMORY`).
    public static func noMemory(_ message: String) -> PluginError { PluginError(.noMemory, message) }
    /// The configuration was refused (`PATCHBAY_ERR_CONFIG`).
    public static func config(_ message: String) -> PluginError { PluginError(.config, message) }

    /// The ABI status this error stands for.
    public var status: patchbay_status {
        switch code {
        case .invalidArgument: PATCHBAY_ERR_INVALID_ARGUMENT
        case .unavailable: PATCHBAY_ERR_UNAVAILABLE
        case .noMemory: PATCHBAY_ERR_NO_MEMORY
        case .config: PATCHBAY_ERR_CONFIG
        }
    }

    /// The message.
    public var description: String { message }
}
