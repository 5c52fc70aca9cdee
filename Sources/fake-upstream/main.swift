import ArgumentParser
import Dispatch
import FakeUpstream
import Foundation
import Logging

/// Runs the fake OpenAI/Anthropic/Gemini upstream until SIGTERM or SIGINT.
struct FakeUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-upstream",
        abstract: "A fake OpenAI / Anthropic upstream for tests and benchmarks."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0: any free port).")
    var port = 9000

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "warning"

    func run() async throws {
        var logger = Logger(label: "fake-upstream")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let upstream = FakeUpstream(logger: logger)
        let host = self.host
        let port = self.port
        let server = Task {
            try await upstream.run(host: host, port: port) { port in
                // Unbuffered, so a parent process reading the pipe sees it at once.
                FileHandle.standardOutput.write(Data("listening on \(port)\n".utf8))
            }
        }
        // Stop on SIGTERM / SIGINT: cancel the server (hanging requests end at once).
        let signalQueue = DispatchQueue(label: "fake-upstream.signals")
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: signalQueue)
            source.setEventHandler { server.cancel() }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        try await server.value
    }
}

let command = FakeUpstreamCommand.parseOrExit()
do {
    try await command.run()
} catch {
    FakeUpstreamCommand.exit(withError: error)
}
