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
    /// What `GET /metrics` shows.
    public let metrics: PatchbayMetrics
    /// The provider calls in flight, for a graceful shutdown.
    public let activeCalls = ActiveCalls()
    private let lastReloadResult = Mutex<ReloadOutcome?>(nil)

    /// Creates the gateway with its first routing.
    public init(routes: RouteTable, store: (any ConversationStore)? = nil, metrics: PatchbayMetrics = PatchbayMetrics(), logger: Logger) {
        self.current = Mutex(routes)
        self.startedAt = .now
        self.store = store
        self.metrics = metrics
        self.logger = logger
        metrics.pluginLoadFailed(count: routes.catalog.refusals.count)
    }

    /// The last reload's outcome, applied or not; nil before the first.
    public var lastReload: ReloadOutcome? { lastReloadResult.withLock { $0 } }

    /// Records a reload's outcome, and replaces the routing if it produced one.
    func finishReload(_ outcome: ReloadOutcome, routes: RouteTable?) {
        // One lock order (routing, then outcome) so that /health never shows an outcome whose
        // routing is not yet in force.
        current.withLock { current in
            if let routes { current = routes }
            lastReloadResult.withLock { $0 = outcome }
        }
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
