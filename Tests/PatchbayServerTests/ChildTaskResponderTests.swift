import HTTPTypes
import Hummingbird
import Testing

@testable import PatchbayServer

@Suite("Each request handled in a child task of its connection's")
struct ChildTaskResponderTests {
    /// Stands for what a connection's task has bound before it handles a request (the logger).
    @TaskLocal static var boundByConnection = 0

    private static let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/"),
                                         body: RequestBody(buffer: ByteBuffer()))

    private static func taskHash() -> Int? { withUnsafeCurrentTask { $0?.hashValue } }

    @Test("answers with the handler's response, from another task that sees the caller's task-locals")
    func childTask() async throws {
        let responder = ChildTaskResponder(base: CallbackResponder<Int> { _, context in
            var headers = HTTPFields()
            headers[.init("X-Task")!] = String(Self.taskHash() ?? 0)
            headers[.init("X-Bound")!] = String(Self.boundByConnection)
            return Response(status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "context \(context)")))
        })
        let response = try await Self.$boundByConnection.withValue(7) {
            try await responder.respond(to: Self.request, context: 42)
        }
        #expect(response.status == .accepted)
        #expect(response.headers[.init("X-Bound")!] == "7")
        let handlerTask = try #require(response.headers[.init("X-Task")!])
        #expect(handlerTask != String(Self.taskHash() ?? 0))
    }

    private struct Refusal: Error, Equatable { let reason: String }

    @Test("passes the handler's error on as it was thrown")
    func error() async throws {
        let responder = ChildTaskResponder(base: CallbackResponder<Int> { _, _ in throw Refusal(reason: "no") })
        await #expect(throws: Refusal(reason: "no")) { try await responder.respond(to: Self.request, context: 0) }
    }

    @Test("cancelling the caller's task cancels the handler")
    func cancellation() async throws {
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        let (never, _) = AsyncStream.makeStream(of: Void.self)
        let responder = ChildTaskResponder(base: CallbackResponder<Int> { _, _ in
            didStart.yield()
            for await _ in never {}  // ends only when the task is cancelled
            return Response(status: Task.isCancelled ? .serviceUnavailable : .ok)
        })
        let caller = Task { try await responder.respond(to: Self.request, context: 0) }
        var waiting = started.makeAsyncIterator()
        _ = await waiting.next()
        caller.cancel()
        let response = try await caller.value
        #expect(response.status == .serviceUnavailable)
    }
}
