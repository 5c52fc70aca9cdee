import CPatchbayPlugin
import Foundation
import Logging
import Synchronization

/// A plugin library that was opened and whose descriptor passed every check.
///
/// The library is never closed: Swift code cannot be unloaded safely, and a descriptor's strings
/// and functions must stay valid for as long as any instance made from it lives.
public final class LoadedPlugin: @unchecked Sendable {
    // @unchecked: `descriptor` is an immutable copy of a static struct whose pointers stay valid
    // for the life of the process (the library is never closed); `lifecycle` guards the rest.

    /// The plugin's name (`echo`, `openai`), unique among loaded plugins.
    public let name: String
    /// The plugin's own version.
    public let version: String
    /// The file it was loaded from.
    public let path: String
    /// The ABI version the plugin was built against.
    public let abiMajor: Int
    /// The ABI minor version the plugin was built against.
    public let abiMinor: Int
    /// Capabilities and models.
    public let manifest: PluginManifest

    /// A copy of the plugin's descriptor, zero-filled past the plugin's `struct_size`, so that an
    /// optional member the plugin's (older) descriptor lacks reads as NULL.
    let descriptor: patchbay_plugin_descriptor

    /// The ABI makes `instance_create`/`instance_destroy` [serialized]: this lock serializes them.
    let lifecycle = Mutex<Void>(())

    init(name: String, version: String, path: String, abiMajor: Int, abiMinor: Int,
         manifest: PluginManifest, descriptor: patchbay_plugin_descriptor) {
        self.name = name
        self.version = version
        self.path = path
        self.abiMajor = abiMajor
        self.abiMinor = abiMinor
        self.manifest = manifest
        self.descriptor = descriptor
    }

    /// Whether the plugin keeps provider-side state per conversation (ABI 1.2): it declares the
    /// `state` capability, so the host passes a conversation's state back to it.
    public var keepsState: Bool { manifest.capabilities.contains(PluginManifest.stateCapability) }

    /// The longest state the host keeps (`PATCHBAY_STATE_MAX_BYTES`).
    public static let stateMaximumBytes = Int(PATCHBAY_STATE_MAX_BYTES)

    /// Whether the plugin's calls can be paused while their client catches up (ABI 1.1).
    public var canPause: Bool { descriptor.chat_pause != nil }

    /// Whether the plugin embeds text (ABI 1.3): its descriptor covers a non-NULL `embed_start`
    /// (a shorter, older descriptor reads as NULL) AND its manifest lists `embeddings`.
    public var canEmbed: Bool { embeddingInconsistency == nil && descriptor.embed_start != nil }

    /// Why a plugin that has one half of embeddings (the function or the capability) but not the
    /// other is never asked to embed; nil when it has both or neither.
    public var embeddingInconsistency: String? {
        let declares = manifest.capabilities.contains(PluginManifest.embeddingsCapability)
        switch (descriptor.embed_start != nil, declares) {
        case (true, false): return "it sets embed_start but its manifest does not list the \"embeddings\" capability"
        case (false, true): return "its manifest lists \"embeddings\" but its descriptor has no embed_start"
        default: return nil
        }
    }

    /// Whether the plugin can check settings without creating an instance.
    public var canCheckSettings: Bool { descriptor.config_check != nil }

    /// Asks the plugin whether a provider's settings are acceptable, without creating anything.
    /// Plugins without `config_check` accept everything here; `makeInstance` still decides.
    /// - Parameters:
    ///   - provider: the provider's name, for the message.
    ///   - settingsJSON: the provider's settings as JSON (may hold secrets: never logged).
    public func checkSettings(provider: String, settingsJSON: String) throws(PluginLoadError) {
        guard let check = descriptor.config_check else { return }
        var error: UnsafeMutablePointer<CChar>? = nil
        var json = settingsJSON
        let status = json.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { check($0.baseAddress, $0.count, &error) }
        }
        let message = takeString(error)
        guard status == PATCHBAY_OK else {
            throw .configRefused(path, provider: provider, reason: message ?? "status \(status)")
        }
    }

    /// Creates a provider instance from its settings.
    /// - Parameters:
    ///   - provider: the provider's name in providers.yaml.
    ///   - settingsJSON: its settings as JSON, secrets resolved (never logged).
    ///   - logger: the logger the plugin's log lines go to, tagged with provider and plugin.
    public func makeInstance(provider: String, settingsJSON: String, logger: Logger) throws(PluginLoadError) -> ProviderInstance {
        var pluginLogger = logger
        pluginLogger[metadataKey: "provider"] = .string(provider)
        pluginLogger[metadataKey: "plugin"] = .string(name)
        let services = HostServices(logger: pluginLogger)

        var instance: OpaquePointer? = nil
        var error: UnsafeMutablePointer<CChar>? = nil
        var json = settingsJSON
        let status = lifecycle.withLock { _ in
            json.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    descriptor.instance_create(services.table, $0.baseAddress, $0.count, &instance, &error)
                }
            }
        }
        let message = takeString(error)
        guard status == PATCHBAY_OK, let instance else {
            throw .createFailed(path, provider: provider, reason: message ?? Self.describe(status: status))
        }
        return ProviderInstance(provider: provider, plugin: self, handle: instance, services: services)
    }

    /// Destroys an instance; called once, when its last call has been released.
    func destroy(_ handle: OpaquePointer) {
        lifecycle.withLock { _ in descriptor.instance_destroy(handle) }
    }

    /// Copies a string the plugin allocated and gives it back to the plugin's allocator.
    private func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { descriptor.free_string?(pointer) }
        return String(cString: pointer)
    }

    /// Words for an ABI status code.
    static func describe(status: patchbay_status) -> String {
        switch status {
        case PATCHBAY_ERR_INVALID_ARGUMENT: "invalid argument"
        case PATCHBAY_ERR_UNAVAILABLE: "unavailable"
        case PATCHBAY_ERR_NO_MEMORY: "out of memory"
        case PATCHBAY_ERR_CONFIG: "settings refused"
        default: "status \(status)"
        }
    }
}
