import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the HTTP application with a graceful shutdown that keeps its promises to clients.
///
/// On SIGTERM or SIGINT the application stops accepting connections at once and lets every
/// response in progress run on (Hummingbird's own quiescing). Provider calls get `grace` to
/// finish; those still running then are stopped, and each of their clients gets a final error
/// (an SSE error event, or a 503) saying the server is shutting down. Replies are stored however
/// they end, before the connection closes.
public struct DrainingServer<App: ApplicationProtocol>: Service {
    private let app: App
    private let activeCalls: ActiveCalls
    private let grace: Duration
    private let logger: Logger

    /// Wraps an application.
    /// - Parameter grace: how long calls in flight may run on after shutdown begins.
    public init(app: App, activeCalls: ActiveCalls, grace: Duration, logger: Logger) {
        self.app = app
        self.activeCalls = activeCalls
        self.grace = grace
        self.logger = logger
    }

    /// Serves until shut down.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                // Inherits the graceful-shutdown signal: stops accepting, returns once every
                // connection has finished its response.
                try await app.run()
                return true
            }
            group.addTask {
                await drainOnShutdown()
                return false
            }
            while let appEnded = try await group.next() {
                // The application is done (shut down, or failed): nothing is left to drain.
                if appEnded { group.cancelAll() }
            }
        }
        logger.info("server stopped")
    }

    private func drainOnShutdown() async {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the application ended on its own
        }
        let inFlight = activeCalls.count
        logger.info("shutting down: no new connections; \(inFlight) provider calls in flight may finish within \(grace)")
        guard await !activeCalls.waitUntilIdle(grace: grace) else { return }
        let stopped = activeCalls.interruptAll()
        logger.notice("shutdown grace period over: stopped \(stopped) provider calls, each client told why")
    }
}
