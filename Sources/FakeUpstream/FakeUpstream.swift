import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
// Not a declared dependency of this target, but always built as Hummingbird's: the one way to
// stop an Application gracefully (rather than by cancelling it) is through its ServiceGroup.
import ServiceLifecycle

/// A fake AI provider upstream for tests and benchmarks: it speaks the OpenAI Chat Completions
/// (`POST /v1/chat/completions`), OpenAI embeddings (`POST /v1/embeddings`, see ``FakeEmbedding``),
/// OpenAI Responses (`POST /v1/responses`), Anthropic Messages
/// (`POST /v1/messages`) and Gemini (`POST /v1beta/models/{model}:generateContent` and
/// `:streamGenerateContent?alt=sse`) wire formats,
/// injects the faults a request's scenario asks for (see ``FakeScenario``), and records
/// everything it receives and does.
public final class FakeUpstream: Sendable {
    let logger: Logger
    let recorder = Recorder()
    let stopper = Stopper()
    /// The Responses API's stored response ids, for `previous_response_id`.
    let responseLedger = ResponseLedger()

    static let maxBodySize = 32 * 1024 * 1024

    /// The default logger: label `fake-upstream`, warnings and above.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "fake-upstream")
        logger.logLevel = .warning
        return logger
    }

    public init(logger: Logger = FakeUpstream.defaultLogger) {
        self.logger = logger
    }

    /// Everything received, in order.
    public var requests: [RecordedRequest] { recorder.requests }

    /// Everything that happened, in order.
    public var events: [FakeUpstreamEvent] { recorder.events }

    /// Resumes as soon as `predicate(events)` holds (checked now and on every new event), or
    /// when the calling task is cancelled.
    public func waitUntil(_ predicate: @escaping @Sendable ([FakeUpstreamEvent]) -> Bool) async {
        await recorder.waitUntil(predicate)
    }

    /// Runs until the calling task is cancelled; `onRunning` gets the bound port (pass 0 for
    /// any free port). Connections are accepted once `onRunning` returns, so keep it short.
    /// Cancelling stops the server gracefully; responses still waiting (hangs, stalls,
    /// intervals) end at once, without a `clientDisconnected` event.
    public func run(
        host: String = "127.0.0.1",
        port: Int = 0,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let router = Router(context: FakeContext.self)
        router.get("/health") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}"))
            )
        }
        router.post("/v1/chat/completions") { request, context in
            try await self.handleOpenAI(request, context: context)
        }
        router.post("/v1/embeddings") { request, context in
            try await self.handleEmbeddings(request, context: context)
        }
        router.post("/v1/responses") { request, context in
            try await self.handleResponses(request, context: context)
        }
        router.post("/v1/messages") { request, context in
            try await self.handleAnthropic(request, context: context)
        }
        // `models/{model}:{method}` is one path segment: the handler splits it itself.
        router.post("/v1beta/models/*") { request, context in
            try await self.handleGemini(request, context: context)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                await onRunning(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
        // Stopping is graceful (the listener closes, idle connections close, responses in
        // progress end), and waiting responses are told to end at once. The application runs
        // in its own task so that our caller's cancellation reaches it only that way.
        stopper.reset()
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            self.stopper.stop()
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// Test convenience: runs the server on a free port for the duration of `body`, then stops it.
    public static func withRunning<T: Sendable>(
        logger: Logger = FakeUpstream.defaultLogger,
        _ body: @Sendable (FakeUpstream, Int) async throws -> T
    ) async throws -> T {
        let upstream = FakeUpstream(logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await upstream.run(port: 0) { port in
                    portContinuation.yield(port)
                    portContinuation.finish()
                }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                // The server stopped before it was running: report why.
                try await group.next()
                throw FakeUpstreamError.didNotStart
            }
            let result = try await body(upstream, port)
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }
}

public enum FakeUpstreamError: Error, Sendable {
    case didNotStart
}

/// The request context: Hummingbird's basics plus the connection, so a scenario can drop it.
struct FakeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Thrown to abort a response because the client went away.
struct ClientGone: Error {}
/// Thrown to close the connection on purpose (`drop_after`).
struct DeliberateDrop: Error {}
