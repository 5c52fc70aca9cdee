import CPatchbayPlugin
import FakeUpstream
import Foundation
import PatchbayTestSupport
import Testing

/// The openai-responses plugin through the raw C ABI, against the fake upstream: the header's
/// promises, and its 1.2 state in both directions.
@Suite("ABI conformance: the openai-responses plugin", .timeLimit(.minutes(2)))
struct ResponsesConformanceTests {
    /// Waits for the terminal event off Swift's cooperative pool: `waitForTerminal` blocks its
    /// thread, and the fake upstream it waits for runs on that pool.
    private func terminal(_ session: RawABISession) async -> [RawABISession.Event] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: session.waitForTerminal(seconds: 30)) }
        }
    }

    private func session(port: Int) throws -> RawABISession {
        try RawABISession(product: "OpenAIResponsesProvider",
                          settings: #"{"provider_name":"responses","base_url":"http://127.0.0.1:\#(port)/v1","api_key":"sk-test"}"#)
    }

    @Test("exactly one terminal event, nothing after it, usage, and the response id as the DONE's state")
    func oneTerminalWithState() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try session(port: port)
            #expect(session.plugin.keepsState)
            #expect(session.start(message: "hello") == PATCHBAY_OK)
            _ = await terminal(session)
            let events = session.finish()
            #expect(events.terminals.count == 1 && events.afterTerminal == 0)
            #expect(events.text == "Hello from the fake upstream.")
            #expect(events.contains { $0.kind == PATCHBAY_EVENT_USAGE })
            #expect(events.terminals.first?.kind == PATCHBAY_EVENT_DONE)
            #expect(events.terminals.first?.data == #"{"finish_reason":"stop","state":"resp_fake_1"}"#)
        }
    }

    @Test("a request with state continues from it: previous_response_id and only the new message")
    func stateGoesUpstream() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let first = try session(port: port)
            #expect(first.start(message: "one") == PATCHBAY_OK)
            _ = await terminal(first)
            _ = first.finish()
            let second = try session(port: port)
            #expect(second.start(message: "two", extraJSON: #","state":"resp_fake_1""#) == PATCHBAY_OK)
            _ = await terminal(second)
            #expect(second.finish().terminals.first?.data == #"{"finish_reason":"stop","state":"resp_fake_2"}"#)
            #expect(upstream.requests.last?.json?["previous_response_id"] as? String == "resp_fake_1")
        }
    }

    @Test("cancel before the first delta ends the call with CANCELLED; the upstream sees the connection close")
    func cancelBeforeFirstDelta() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let session = try session(port: port)
            #expect(session.start(message: "hi", model: "fake:hang") == PATCHBAY_OK)
            await upstream.waitUntil { $0.contains(.requestReceived(path: "/v1/responses")) }
            session.cancel()
            session.cancel()
            let events = await terminal(session)
            #expect(events.deltaCount == 0)
            #expect(events.terminals.first?.data.contains(#""code":"CANCELLED""#) == true)
            #expect(session.finish().afterTerminal == 0)
            try await withDeadline { await upstream.waitUntil { $0.contains(.clientDisconnected(path: "/v1/responses")) } }
        }
    }

    @Test("cancel after done is harmless and emits nothing")
    func cancelAfterDone() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try session(port: port)
            #expect(session.start(message: "hi") == PATCHBAY_OK)
            let before = await terminal(session)
            session.cancel()
            #expect(session.finish().count == before.count)
        }
    }

    @Test("cancel from inside on_event stops the call")
    func cancelInsideCallback() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try session(port: port)
            session.cancelOnFirstDelta = true
            #expect(session.start(message: "hi", model: "fake:deltas=50,interval=5") == PATCHBAY_OK)
            let events = await terminal(session)
            #expect(events.deltaCount < 50)
            #expect(events.terminals.first?.kind == PATCHBAY_EVENT_ERROR)
            #expect(session.finish().afterTerminal == 0)
        }
    }
}
