import Foundation

/// The real `patchbay serve` in a child process, for tests a signal must reach.
package final class ServerProcess: Sendable {
    /// The child process.
    package let child: ChildProcess
    /// The port it listens on.
    package let port: Int
    /// Its admin listener, as the start-up line names it: `http://127.0.0.1:PORT` or `unix:PATH`.
    package let adminAddress: String

    /// The admin listener's TCP port, when it has one.
    package var adminPort: Int? {
        guard adminAddress.hasPrefix("http://") else { return nil }
        return Int(adminAddress.split(separator: ":").last ?? "")
    }

    /// Starts the server on a free port and waits (bounded) until it listens.
    /// - Parameters:
    ///   - environment: variables added to this process's own.
    ///   - adminPort: `--admin-port`, 0 (a free port) unless the test wants the file's `server.admin`.
    ///   - launcher: a command that starts `patchbay` with its arguments after its own (one that
    ///     restricts the process first, say); none by default.
    package init(config: String, environment: [String: String] = [:], adminPort: Int? = 0, launcher: [String] = []) async throws {
        let arguments = ["serve", "--config", config, "--port", "0"] + (adminPort.map { ["--admin-port", String($0)] } ?? [])
        let command = launcher + ["\(TestPaths.buildDirectory)/patchbay"] + arguments
        let child = try ChildProcess(command[0], Array(command.dropFirst()), environment: environment)
        self.child = child
        (self.port, self.adminAddress) = try await withDeadline(30) {
            for await line in child.lines {
                // "listening: public http://127.0.0.1:PORT, admin ADDRESS"
                guard let publicRange = line.range(of: "listening: public "), let adminRange = line.range(of: ", admin ") else { continue }
                let publicAddress = line[publicRange.upperBound..<adminRange.lowerBound]
                let admin = line[adminRange.upperBound...].prefix { $0 != "\"" && $0 != " " }
                return (Int(publicAddress.split(separator: ":").last!)!, String(admin))
            }
            throw ServerDidNotStart(output: child.output)
        }
    }

    package struct ServerDidNotStart: Error, CustomStringConvertible {
        package var output: String
        package var description: String { "the server did not start:\n\(output.suffix(2000))" }
    }

    /// The server's process id.
    package var pid: pid_t { child.pid }

    /// Sends `signal` and waits until the server has exited.
    package func kill(_ signal: Int32) {
        child.signal(signal)
        child.waitUntilExit()
    }

    /// What the server has written to standard output and error so far.
    package var output: String { child.output }

    /// Everything the server wrote to standard output and error, once it has exited and its
    /// output is closed.
    package func finalOutput() async -> String {
        await child.finished()
        return child.output
    }
}
