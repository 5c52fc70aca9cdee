import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server (Debian's `postgresql` package) for tests: a cluster made by `initdb`
/// in a temporary folder, listening on 127.0.0.1 at a free port (its socket in the same folder),
/// trusting local connections as the role `patchbay`.
///
/// PostgreSQL refuses to run as root, and tests may: then `initdb` and `postgres` run as `nobody`
/// through `setpriv`, in a folder handed to that user. The server is stopped when the test process
/// exits (`atexit`) or when ``stop()`` is called; ``start()`` brings it back on the same port.
package final class PostgresTestServer: Sendable {
    /// Debian's binaries for PostgreSQL 15 (`POSTGRES_BIN` overrides).
    package static let binaries = ProcessInfo.processInfo.environment["POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"

    /// One server for the whole test process, started by the first test that asks.
    package static func shared() async throws -> PostgresTestServer {
        try await sharedServer.get()
    }

    /// The cluster's folder.
    package let folder: String
    /// The port it listens on (chosen once, when the first start succeeds).
    package var port: Int { chosenPort.withLock { $0 } }
    private let chosenPort = Mutex(0)
    private let process = Mutex<ChildProcess?>(nil)

    /// Creates a cluster and starts its server.
    package init() async throws {
        folder = NSTemporaryDirectory() + "patchbay-postgres-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if geteuid() == 0 { _ = chown(folder, Self.nobody, Self.nogroup) }
        let initdb = try await Self.asServerUser("\(Self.binaries)/initdb", [
            "-D", "\(folder)/data", "-U", "patchbay", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync",
        ])
        guard initdb.status == 0 else { throw Failure(step: "initdb", output: initdb.output) }
        // SIGQUIT at exit: immediate shutdown; its children go with it.
        TestServerFolders.register(folder: folder, exitSignal: SIGQUIT)
        try await TestServerFolders.startOnFreePort({ port in chosenPort.withLock { $0 = port } }) { try await start() } isTaken: { ($0 as? Failure)?.output.contains("Address already in use") == true }
    }

    /// `postgres://patchbay@127.0.0.1:PORT/NAME?sslmode=disable`.
    package func url(database: String) -> String {
        "postgres://patchbay@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// A new, empty database; returns its name (``url(database:)`` makes its URL).
    package func createDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let created = try await ChildProcess.run("\(Self.binaries)/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "patchbay", name])
        guard created.status == 0 else { throw Failure(step: "createdb", output: created.output) }
        return name
    }

    /// Starts the server and waits until it accepts connections.
    package func start() async throws {
        let child = try Self.spawnAsServerUser("\(Self.binaries)/postgres", [
            "-D", "\(folder)/data", "-p", "\(port)", "-k", folder, "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "max_connections=300",
        ])
        process.withLock { $0 = child }
        TestServerFolders.setRunning(child.pid, folder: folder)
        for await line in child.lines where line.contains("database system is ready to accept connections") {
            return
        }
        throw Failure(step: "postgres", output: child.output)
    }

    /// Stops the server (fast shutdown: connections are closed at once) and waits until it has exited.
    package func stop() async {
        guard let child = process.withLock({ running -> ChildProcess? in
            defer { running = nil }
            return running
        }) else { return }
        child.signal(SIGINT)
        await child.finished()
        TestServerFolders.setRunning(nil, folder: folder)
    }

    // MARK: Running as an unprivileged user

    private static let nobody: uid_t = 65534
    private static let nogroup: gid_t = 65534

    private static func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        guard geteuid() == 0 else { return (executable, arguments) }
        return ("setpriv", ["--reuid=\(nobody)", "--regid=\(nogroup)", "--clear-groups", "--", executable] + arguments)
    }

    private static func asServerUser(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let (command, arguments) = command(executable, arguments)
        return try await ChildProcess.run(command, arguments, deadline: 120)
    }

    private static func spawnAsServerUser(_ executable: String, _ arguments: [String]) throws -> ChildProcess {
        let (command, arguments) = command(executable, arguments)
        return try ChildProcess(command, arguments)
    }

    // MARK: One per process, stopped at exit

    private static let sharedServer = StartedOnce { try await PostgresTestServer() }

    /// A step of setting the server up failed: its output says why.
    package struct Failure: Error, CustomStringConvertible {
        package var step: String
        package var output: String
        package var description: String { "PostgreSQL test server: \(step) failed:\n\(output.suffix(3000))" }
    }
}
