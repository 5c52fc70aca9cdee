import CPatchbayPlugin
import Logging
import Synchronization

/// A configured provider: one plugin instance, made from one block of providers.yaml.
///
/// Every call in flight keeps its instance alive, so an instance replaced by a configuration
/// reload is destroyed only when its last call has been released, as the ABI requires.
public final class ProviderInstance: @unchecked Sendable {
    // @unchecked: `handle` is an opaque pointer the ABI lets any thread use for chat calls;
    // create/destroy are serialized by the plugin's lifecycle lock.

    /// The provider's name in providers.yaml.
    public let provider: String
    /// The plugin the instance belongs to.
    public let plugin: LoadedPlugin
    let handle: OpaquePointer
    let services: HostServices
    private let inFlight = Atomic<Int>(0)

    init(provider: String, plugin: LoadedPlugin, handle: OpaquePointer, services: HostServices) {
        self.provider = provider
        self.plugin = plugin
        self.handle = handle
        self.services = services
    }

    /// Calls started on this instance and not yet released.
    public var callsInFlight: Int { inFlight.load(ordering: .relaxed) }

    func callStarted() { inFlight.add(1, ordering: .relaxed) }
    func callReleased() { inFlight.subtract(1, ordering: .relaxed) }

    deinit {
        plugin.destroy(handle)
        withExtendedLifetime(services) {}  // the service table must outlive instance_destroy
    }
}

/// A chat call could not be started.
public struct PluginCallError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case startRefused }
    private let code: Code
    /// The ABI status the plugin returned.
    public let status: Int32
    /// What went wrong.
    public let message: String

    /// `chat_start` returned a status other than PATCHBAY_OK.
    static func startRefused(_ status: patchbay_status, provider: String) -> Self {
        .init(code: .startRefused, status: status,
              message: "provider '\(provider)' refused the call: \(LoadedPlugin.describe(status: status))")
    }

    /// The message.
    public var description: String { message }
}
