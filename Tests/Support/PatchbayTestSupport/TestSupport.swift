import Foundation
import Logging
import NIOCore
import PatchbayConfig
import NIOPosix
import Synchronization
import Testing

/// Where things are, for tests.
package enum TestPaths {
    /// The build folder: the test bundle's own folder, which follows `-c` and `--build-path`.
    package static let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path

    /// The repository's root: this file is Tests/Support/PatchbayTestSupport/TestSupport.swift.
    package static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A plugin built by SwiftPM, e.g. `EchoProvider`.
    package static func builtPlugin(_ product: String) -> String {
        "\(buildDirectory)/lib\(product).so"
    }
}

/// A fresh folder under the system's temporary folder, removed when the value goes away.
package final class TemporaryDirectory: Sendable {
    package let path: String

    package init() throws {
        path = NSTemporaryDirectory() + "patchbay-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Copies a file in, under `name`.
    @discardableResult
    package func copy(_ source: String, as name: String) throws -> String {
        let target = "\(path)/\(name)"
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return target
    }

    /// Writes a text file.
    @discardableResult
    package func write(_ text: String, as name: String) throws -> String {
        let target = "\(path)/\(name)"
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }
}

/// A log handler that keeps every line, so tests can assert on logs and wait for one.
package final class LogRecorder: Sendable {
    package struct Line: Sendable {
        package var level: Logger.Level
        package var message: String
        package var metadata: [String: String]
        /// The line as a whole, metadata included, for "no secret anywhere" checks.
        package var rendered: String { "\(level) \(message) \(metadata.sorted { $0.key < $1.key })" }
    }

    private struct State {
        var lines: [Line] = []
        var nextWaiterID = 0
        var waiters: [Int: (predicate: @Sendable (Line) -> Bool, continuation: CheckedContinuation<Line, any Error>)] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package var lines: [Line] { state.withLock { $0.lines } }

    package func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: Line) {
        let ready = state.withLock { state -> [CheckedContinuation<Line, any Error>] in
            state.lines.append(line)
            let matching = state.waiters.filter { $0.value.predicate(line) }
            for id in matching.keys { state.waiters[id] = nil }
            return matching.values.map(\.continuation)
        }
        ready.forEach { $0.resume(returning: line) }
    }

    /// The first line (already logged or yet to come) that matches. Callers bound the wait
    /// with `withDeadline`, whose cancellation ends it: a line that never comes fails the test
    /// instead of hanging the run.
    package func firstLine(where predicate: @escaping @Sendable (Line) -> Bool) async throws -> Line {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let existing = state.withLock { state -> Result<Line, any Error>? in
                    if let line = state.lines.first(where: predicate) { return .success(line) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = (predicate, continuation)
                    return nil
                }
                if let existing { continuation.resume(with: existing) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                 source: String, file: String, function: String, line: UInt) {
            let merged = self.metadata.merging(explicit ?? [:]) { $1 }
            recorder.append(Line(level: level, message: "\(message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// Fails (rather than hangs) when `operation` takes longer than `seconds` (30 by default: a
/// bound that only a failing run reaches, generous for a loaded 2-core CI machine). A bound, not a sleep:
/// the operation finishes as soon as its own condition holds.
package func withDeadline<T: Sendable>(_ seconds: Double = 30, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlinePassed(seconds: seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

package struct DeadlinePassed: Error, CustomStringConvertible {
    package var seconds: Double
    package var description: String { "nothing happened within \(seconds) s" }
}

/// A raw HTTP/1.1 client over one TCP connection, for byte-exact SSE and for disconnecting
/// mid-stream (an HTTP client library would hide both).
package struct RawHTTPClient {
    /// Sends one request and hands the inbound bytes to `read` as they arrive; returning from
    /// `read` closes the connection at once.
    /// - Parameter source: the local address to connect from (another loopback address than
    ///   127.0.0.1, say, to be told apart from a proxy on 127.0.0.1); any when nil.
    package static func exchange<T: Sendable>(
        port: Int, from source: String? = nil, request: String,
        read: @Sendable (inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> T
    ) async throws -> T {
        try await session(to: .tcp(host: "127.0.0.1", port: port), from: source) { inbound, send in
            try await send(request)
            return try await read(&inbound)
        }
    }

    /// The same, to a TCP address or a Unix socket (the admin listener's).
    package static func exchange<T: Sendable>(
        to address: AdminListenerAddress, request: String,
        read: @Sendable (inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) async throws -> T
    ) async throws -> T {
        try await session(to: address) { inbound, send in
            try await send(request)
            return try await read(&inbound)
        }
    }

    /// One connection for `body`, which sends text with `send` and reads what arrives from
    /// `inbound` — for several requests in turn on one kept-alive connection.
    package static func session<T: Sendable>(
        to address: AdminListenerAddress, from source: String? = nil,
        _ body: @Sendable (inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, _ send: (String) async throws -> Void) async throws -> T
    ) async throws -> T {
        let wrap: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel =
            switch address {
            case .tcp(let host, let port):
                try await bootstrap.channelOption(.tcpOption(.tcp_nodelay), value: 1).connect(host: host, port: port, channelInitializer: wrap)
            case .socket(let path):
                try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: wrap)
            }
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            return try await body(&iterator) { try await outbound.write(ByteBuffer(string: $0)) }
        }
    }

    /// A POST of a JSON body, as raw text.
    package static func post(_ path: String, json: String, headers: [String: String] = [:]) -> String {
        var text = "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return text + "\r\n" + json
    }

    /// Reads until `predicate` holds for the text so far (or the server closes).
    package static func read(
        _ iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        until predicate: (String) -> Bool
    ) async throws -> String {
        var text = ""
        while !predicate(text), let buffer = try await iterator.next() {
            text += String(buffer: buffer)
        }
        return text
    }
}
