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
        let responder = ChildTaskResponder(base: CallbackResponder<Int>(callback: { _, context in
            var headers = HTTPFields()
            headers[.init("X-Task")!] = String(Self.taskHash() ?? 0)
            headers[.init("X-Bound")!] = String(Self.boundByConnection)
            return Response(status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "context \(context)")))
        }), handling: RequestsInHandling())
        let response = try await Self.$boundByConnection.withValue(7) {
            try await responder.respond(to: Self.request, context: 42)
        }
        #expect(response.status == .accepted)
        #expect(response.headers[.init("X-Bound")!] == "7")
        let handlerTask = try #require(response.headers[.init("X-Task")!])
        #expect(handlerTask != String(Self.taskHash() ?? 0))
    }

    private struct Refusal: Error, Equatable { let reason: String }

    @Test("passes the handler's error on as it was thrown, and counts the request as answered")
    func error() async throws {
        let handling = RequestsInHandling()
        let responder = ChildTaskResponder(base: CallbackResponder<Int>(callback: { _, _ in throw Refusal(reason: "no") }), handling: handling)
        await #expect(throws: Refusal(reason: "no")) { try await responder.respond(to: Self.request, context: 0) }
        #expect(handling.takePeak() == (now: 0, peak: 1))
    }

    @Test("cancelling the caller's task cancels the handler")
    func cancellation() async throws {
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        let (never, _) = AsyncStream.makeStream(of: Void.self)
        let responder = ChildTaskResponder(base: CallbackResponder<Int>(callback: { _, _ in
            didStart.yield()
            for await _ in never {}  // ends only when the task is cancelled
            return Response(status: Task.isCancelled ? .serviceUnavailable : .ok)
        }), handling: RequestsInHandling())
        let caller = Task { try await responder.respond(to: Self.request, context: 0) }
        var waiting = started.makeAsyncIterator()
        _ = await waiting.next()
        caller.cancel()
        let response = try await caller.value
        #expect(response.status == .serviceUnavailable)
    }
}

@Suite("Requests in handling, and when the heap is trimmed")
struct HeapTrimPolicyTests {
    @Test("a request counts while it is handled, and the peak is taken once")
    func counting() async throws {
        let handling = RequestsInHandling()
        let inside = await handling.counting { await handling.counting { handling.takePeak() } }
        #expect(inside == (now: 2, peak: 2))
        #expect(handling.takePeak() == (now: 0, peak: 2))
        #expect(handling.takePeak() == (now: 0, peak: 0))
    }

    /// The policy's answers to checks in turn, each `(calls, requests)` as (now, peak since the last check).
    private func decisions(_ checks: [(calls: (Int, Int), requests: (Int, Int))]) -> [Bool] {
        var policy = TrimPolicy(burst: 32)
        return checks.map { policy.shouldTrim(calls: (now: $0.calls.0, peak: $0.calls.1), requests: (now: $0.requests.0, peak: $0.requests.1)) }
    }

    @Test("after a burst of calls, once none is in flight; once per burst")
    func afterCalls() {
        #expect(decisions([((40, 40), (0, 0)), ((3, 40), (0, 0)), ((0, 3), (0, 0)), ((0, 0), (0, 0))]) == [false, false, true, false])
    }

    @Test("after a burst of requests, once a whole check went by without one, while their streams go on")
    func afterRequests() {
        // The last checks: no trim again for the same burst; then the streams end, and their
        // calls were a burst of their own.
        #expect(decisions([((40, 40), (40, 40)), ((40, 40), (0, 40)), ((40, 40), (0, 0)), ((40, 40), (0, 0)), ((0, 40), (0, 0))])
                == [false, false, true, false, true])
    }

    @Test("no trim without a burst, nor while requests come and go")
    func noBurst() {
        #expect(decisions([((0, 31), (0, 31)), ((5, 5), (1, 50)), ((5, 5), (0, 1)), ((5, 5), (0, 2)), ((5, 5), (0, 0))])
                == [false, false, false, false, true])
    }
}

