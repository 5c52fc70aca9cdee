import Foundation
import Logging
import PatchbayPluginHost
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration when providers.yaml or the plugins folder changes, and on SIGHUP.
///
/// It polls (every `interval`) rather than using inotify: polling sees a file replaced by a
/// rename (how editors and deploy tools write), works on every filesystem, and costs one `stat`
/// per file. A change is acted on once two polls in a row agree, so a file caught half-written
/// is not read.
public struct ConfigurationWatcher: Service {
    private let reloader: ConfigurationReloader
    private let signals: UnixSignalsSequence
    private let interval: Duration
    private let logger: Logger

    /// Creates a watcher for the reloader's file and plugins folder, and SIGHUP.
    ///
    /// It traps SIGHUP from the moment it is created (SIGHUP's default action would end the
    /// process): create it before the server starts listening.
    public init(reloader: ConfigurationReloader, interval: Duration = .milliseconds(150), logger: Logger) async {
        self.reloader = reloader
        self.signals = await UnixSignalsSequence(trapping: .sighup)
        self.interval = interval
        self.logger = logger
    }

    /// Watches until graceful shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    logger.info("SIGHUP: reloading the configuration")
                    _ = await reloader.reload(trigger: .signal)
                }
            }
            group.addTask { await watchFiles() }
        }
    }

    /// What the watched files are now: the configuration file's identity, and every plugin's.
    struct Snapshot: Equatable {
        var configuration: FileIdentity?
        var plugins: [String: FileIdentity]
    }

    private func snapshot() -> Snapshot {
        let directory = reloader.pluginsDirectory
        var plugins: [String: FileIdentity] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasSuffix(".so") && !name.hasPrefix(".") {
            plugins[name] = FileIdentity(path: (directory as NSString).appendingPathComponent(name))
        }
        return Snapshot(configuration: FileIdentity(path: reloader.configPath), plugins: plugins)
    }

    private func watchFiles() async {
        var applied = snapshot()
        var pending: Snapshot? = nil
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            let now = snapshot()
            guard now != applied else { pending = nil; continue }
            // Act once the change has held still for one interval.
            guard now == pending else { pending = now; continue }
            let trigger: ReloadTrigger = now.configuration != applied.configuration ? .file : .plugins
            logger.info("\(trigger == .file ? "the configuration file" : "the plugins folder") changed: reloading")
            _ = await reloader.reload(trigger: trigger)
            // The folder may have moved with the file; the next poll reads it afresh.
            applied = now
            pending = nil
        }
    }
}
