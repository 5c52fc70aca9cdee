import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The database servers the tests start (PostgreSQL, Redis): each in a folder of its own, on a
/// free port, stopped and its folder removed when the test process exits, whatever the tests did.
package enum TestServerFolders {
    private struct Server {
        var pid: pid_t?
        var exitSignal: Int32
    }

    /// Servers by folder, with the process id of those still running.
    private static let servers = Mutex<[String: Server]>([:])
    private static let exitHandler = Mutex(false)

    /// Removes `folder` at exit, after stopping its server with `signal` if it is still running.
    package static func register(folder: String, exitSignal: Int32) {
        servers.withLock { $0[folder] = Server(pid: nil, exitSignal: exitSignal) }
        exitHandler.withLock { registered in
            guard !registered else { return }
            registered = true
            atexit {
                for (folder, server) in TestServerFolders.servers.withLock({ $0 }) {
                    if let pid = server.pid {
                        kill(pid, server.exitSignal)
                        var status: Int32 = 0
                        waitpid(pid, &status, 0)
                    }
                    try? FileManager.default.removeItem(atPath: folder)
                }
            }
        }
    }

    /// The server in `folder` now runs as `pid` (nil: it has stopped).
    package static func setRunning(_ pid: pid_t?, folder: String) {
        servers.withLock { $0[folder]?.pid = pid }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    package static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw NoFreePort(reason: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts a server on a free port, taking another when the port was taken between finding it
    /// free and the server binding it (another server of the test process starting at the same moment).
    /// - Parameters:
    ///   - use: keeps the port, which `start` then reads.
    ///   - isTaken: whether `start`'s error says the port was in use.
    package static func startOnFreePort(_ use: (Int) -> Void, _ start: () async throws -> Void,
                                        isTaken: (any Error) -> Bool) async throws {
        for attempt in 1... {
            use(try freePort())
            do {
                return try await start()
            } catch where attempt < 5 && isTaken(error) {
                continue
            }
        }
    }

    package struct NoFreePort: Error, CustomStringConvertible {
        package var reason: String
        package var description: String { "no free port: \(reason)" }
    }
}

/// A server started once for the whole test process, by the first test that asks: callers arriving
/// while it starts wait for the same start (an actor alone would let each of them start one while
/// the first awaits).
package actor StartedOnce<Server: Sendable> {
    private let make: @Sendable () async throws -> Server
    private var start: Task<Server, any Error>?

    package init(_ make: @escaping @Sendable () async throws -> Server) {
        self.make = make
    }

    package func get() async throws -> Server {
        if let start { return try await start.value }
        let start = Task { try await make() }
        self.start = start
        return try await start.value
    }
}
