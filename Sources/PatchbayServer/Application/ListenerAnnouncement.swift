import Logging
import PatchbayConfig
import Synchronization

/// Tells who waits that each listener is up, and logs one line naming both once both are:
/// `listening: public http://127.0.0.1:8080, admin http://127.0.0.1:9091` (the ports as bound,
/// so a test that asked for port 0 reads the real ones there).
final class ListenerAnnouncement: Sendable {
    private struct State {
        var publicAddress: String?
        var adminAddress: AdminListenerAddress?
    }

    private let state = Mutex(State())
    private let onServerRunning: @Sendable (Int) async -> Void
    private let onAdminRunning: @Sendable (AdminListenerAddress) async -> Void
    private let logger: Logger

    init(onServerRunning: @escaping @Sendable (Int) async -> Void, onAdminRunning: @escaping @Sendable (AdminListenerAddress) async -> Void,
         logger: Logger) {
        self.onServerRunning = onServerRunning
        self.onAdminRunning = onAdminRunning
        self.logger = logger
    }

    /// The public listener is bound.
    func publicListening(port: Int, host: String, scheme: String = "http") async {
        let address = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        announceIfBoth(state.withLock { $0.publicAddress = address; return $0 })
        await onServerRunning(port)
    }

    /// The admin listener is bound.
    func adminListening(_ address: AdminListenerAddress) async {
        announceIfBoth(state.withLock { $0.adminAddress = address; return $0 })
        await onAdminRunning(address)
    }

    private func announceIfBoth(_ state: State) {
        guard let publicAddress = state.publicAddress, let adminAddress = state.adminAddress else { return }
        logger.info("listening: public \(publicAddress), admin \(adminAddress)")
    }
}
