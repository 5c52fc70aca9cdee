import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real nginx (Debian's `nginx` package) for tests, run on a configuration file in a temporary
/// folder that is also its prefix: the configuration's relative paths (its pid file, its
/// temporary files) land there, so it needs no root-owned folder. Stopped by ``stop()``, or when
/// the value goes away.
package final class NginxTestServer: Sendable {
    /// Debian's nginx (`NGINX` overrides).
    package static let executable = ProcessInfo.processInfo.environment["NGINX"] ?? "/usr/sbin/nginx"

    /// The prefix, holding `nginx.conf`.
    package let prefix: TemporaryDirectory
    private let child: ChildProcess

    /// Checks a configuration with `nginx -t` in a fresh prefix: nginx's exit status and what it printed.
    package static func check(configuration: String) async throws -> (status: Int32, output: String) {
        let prefix = try TemporaryDirectory()
        let file = try prefix.write(configuration, as: "nginx.conf")
        return try await ChildProcess.run(executable, ["-t", "-p", prefix.path + "/", "-c", file, "-e", "stderr"], deadline: 60)
    }

    /// Starts nginx on `configuration` in the foreground and waits (bounded) until `port`, where
    /// the configuration listens, accepts connections.
    package init(configuration: String, port: Int) async throws {
        prefix = try TemporaryDirectory()
        let file = try prefix.write(configuration, as: "nginx.conf")
        let child = try ChildProcess(Self.executable, ["-p", prefix.path + "/", "-c", file, "-e", "stderr", "-g", "daemon off;"])
        self.child = child
        do {
            try await LiveHTTP.eventually {
                if child.exitStatus != nil { throw DidNotStart(output: child.output) }
                return (try? await RawHTTPClient.exchange(port: port, request: "") { _ in true }) != nil
            }
        } catch {
            stop()
            throw error is DidNotStart ? error : DidNotStart(output: "\(error)\n\(child.output)")
        }
    }

    deinit { stop() }

    /// Stops nginx (fast shutdown: its workers go with it) and waits until it has exited.
    package func stop() {
        guard child.exitStatus == nil else { return }
        child.signal(SIGTERM)
        child.waitUntilExit()
    }

    /// What nginx has written (its error log and access log) so far.
    package var output: String { child.output }

    package struct DidNotStart: Error, CustomStringConvertible {
        package var output: String
        package var description: String { "nginx did not start:\n\(output.suffix(2000))" }
    }
}
