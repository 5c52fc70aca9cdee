import Foundation
import Logging
import PatchbayStorage
import Synchronization

/// The host's live state: the current routing, and what it reports about itself.
///
/// Requests take a snapshot of the routing when they start, so replacing it (a reload) never
/// changes a request in flight.
public final class Gateway: Sendable {
    private let current: Mutex<RouteTable>
    /// When the host started, for `/health`'s uptime.
    public let startedAt: ContinuousClock.Instant
    /// The host's logger.
    public let logger: Logger
    /// Where conversations are kept; without one, every chat turn is stateless.
    public let store: (any ConversationStore)?

    /// Creates the gateway with its first routing.
    public init(routes: RouteTable, store: (any ConversationStore)? = nil, logger: Logger) {
        self.current = Mutex(routes)
        self.startedAt = .now
        self.store = store
        self.logger = logger
    }

    /// The routing now in force.
    public var routes: RouteTable { current.withLock { $0 } }

    /// Replaces the routing; requests already running keep the one they started with.
    public func replaceRoutes(_ routes: RouteTable) {
        current.withLock { $0 = routes }
    }
}

/// Patchbay's version, as `/health` reports it.
public enum PatchbayVersion {
    /// The version string.
    public static let current = "0.1.0"
}
