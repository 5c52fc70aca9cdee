import Foundation

/// The real `patchbay serve` in a child process, for tests a signal must reach.
package final class ServerProcess: Sendable {
    /// The child process.
    package let child: ChildProcess
    /// The port it listens on.
    package let port: Int

    /// Starts the server on a free port and waits (bounded) until it listens.
    /// - Parameter environment: variables added to this process's own.
    package init(config: String, environment: [String: String] = [:]) async throws {
        let child = try ChildProcess("\(TestPaths.buildDirectory)/patchbay", ["serve", "--config", config, "--port", "0"],
                                     environment: environment)
        self.child = child
        self.port = try await withDeadline(30) {
            for await line in child.lines {
                if let range = line.range(of: "listening on 127.0.0.1:") {
                    return Int(line[range.upperBound...].prefix { $0.isNumber })!
                }
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
