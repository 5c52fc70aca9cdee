import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real Redis server (Debian's `redis-server` package) for tests: on 127.0.0.1 at a free port,
/// its working folder a temporary one, nothing saved to disk (`--save "" --appendonly no`).
///
/// It is stopped when the test process exits or when ``stop()`` is called; ``start()`` brings it
/// back on the same port (empty: it never saved anything). ``pause()`` and ``resume()`` stop and
/// continue the process (SIGSTOP, SIGCONT), for a server that accepts connections but answers
/// nothing.
package final class RedisTestServer: Sendable {
    /// Debian's server (`REDIS_SERVER` overrides).
    package static let executable = ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? "/usr/bin/redis-server"

    /// One server for the whole test process, started by the first test that asks. Tests that
    /// share it keep their keys apart (a prefix of their own, say); a test that stops or pauses
    /// the server starts one of its own.
    package static func shared() async throws -> RedisTestServer {
        try await sharedServer.get()
    }

    /// The server's working folder.
    package let folder: String
    /// The port it listens on (chosen once, when the first start succeeds).
    package var port: Int { chosenPort.withLock { $0 } }
    private let chosenPort = Mutex(0)
    /// The password it asks for (`requirepass`), if any.
    package let password: String?
    private let process = Mutex<ChildProcess?>(nil)

    /// Starts a server of its own.
    /// - Parameter password: makes the server ask for one.
    package init(password: String? = nil) async throws {
        folder = NSTemporaryDirectory() + "patchbay-redis-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        self.password = password
        TestServerFolders.register(folder: folder, exitSignal: SIGKILL)
        try await TestServerFolders.startOnFreePort({ port in chosenPort.withLock { $0 = port } }) { try await start() } isTaken: { ($0 as? Failure)?.output.contains("Address already in use") == true }
    }

    /// `redis://[:password@]127.0.0.1:PORT[/DATABASE]`.
    package func url(database: Int? = nil) -> String {
        let credentials = password.map { ":\($0)@" } ?? ""
        return "redis://\(credentials)127.0.0.1:\(port)" + (database.map { "/\($0)" } ?? "")
    }

    /// Starts the server and waits until it accepts connections.
    package func start() async throws {
        var arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder,
            "--daemonize", "no", "--loglevel", "notice",
        ]
        if let password { arguments += ["--requirepass", password] }
        let child = try ChildProcess(Self.executable, arguments)
        process.withLock { $0 = child }
        TestServerFolders.setRunning(child.pid, folder: folder)
        for await line in child.lines where line.contains("Ready to accept connections") {
            return
        }
        throw Failure(output: child.output)
    }

    /// Stops the server at once (SIGKILL, as a crash or a lost machine would) and waits until it
    /// has exited. Clients see their connections reset.
    package func stop() async {
        guard let child = process.withLock({ running -> ChildProcess? in
            defer { running = nil }
            return running
        }) else { return }
        child.signal(SIGCONT)  // a paused server would not die until continued
        child.signal(SIGKILL)
        await child.finished()
        TestServerFolders.setRunning(nil, folder: folder)
    }

    /// Stops the process without closing anything: connections are accepted (by the kernel) and
    /// commands sent, but nothing is answered until ``resume()``.
    package func pause() {
        process.withLock { $0?.signal(SIGSTOP) }
    }

    /// Continues a paused server.
    package func resume() {
        process.withLock { $0?.signal(SIGCONT) }
    }

    /// Everything the server has logged (startup banner included).
    package var output: String { process.withLock { $0?.output ?? "" } }

    private static let sharedServer = StartedOnce { try await RedisTestServer() }

    /// The server did not start: its output says why.
    package struct Failure: Error, CustomStringConvertible {
        package var output: String
        package var description: String { "Redis test server did not start:\n\(output.suffix(3000))" }
    }
}
