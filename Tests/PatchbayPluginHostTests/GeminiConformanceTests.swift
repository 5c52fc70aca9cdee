import CPatchbayPlugin
import FakeUpstream
import Foundation
import PatchbayTestSupport
import Testing

/// The Gemini plugin through the raw C ABI, against the fake upstream: the header's promises
/// hold for a plugin whose events come from the network (curl's thread), not from a timer.
@Suite("ABI conformance: the Gemini plugin against the fake upstream", .serialized, .timeLimit(.minutes(1)))
struct GeminiConformanceTests {
    /// Waits for the terminal event on a thread of its own: the fake upstream's handlers need
    /// the cooperative pool, which a blocking wait there could starve on a small machine.
    static func terminal(_ session: RawABISession) async -> [RawABISession.Event] {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: session.waitForTerminal(seconds: 30)) }.start()
        }
    }

    /// A raw session with a Gemini instance on the fake upstream at `port`.
    static func session(port: Int) throws -> RawABISession {
        try RawABISession(product: "GeminiProvider", settings: #"{"base_url":"http://127.0.0.1:\#(port)","api_key":"gm-conformance","max_retries":0}"#)
    }

    @Test("exactly one terminal event, nothing after it, the deltas add up to the reply, usage before done")
    func oneTerminalEvent() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try Self.session(port: port)
            #expect(session.start(message: "hello", model: "gemini-2.5-flash") == PATCHBAY_OK)
            _ = await Self.terminal(session)
            let events = session.finish()
            #expect(events.terminals.count == 1)
            #expect(events.terminals.first?.kind == PATCHBAY_EVENT_DONE)
            #expect(events.terminals.first?.data == #"{"finish_reason":"stop"}"#)
            #expect(events.afterTerminal == 0)
            #expect(events.text == FakeScenario.defaultText)
            #expect(events.dropLast().last?.kind == PATCHBAY_EVENT_USAGE)
        }
    }

    @Test("cancel before the first delta ends the call with CANCELLED, and the upstream sees it go")
    func cancelBeforeFirstDelta() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let session = try Self.session(port: port)
            #expect(session.start(message: "hello", model: "fake:hang") == PATCHBAY_OK)
            await upstream.waitUntil { $0.contains(.requestReceived(path: "/v1beta/models/fake:hang:streamGenerateContent")) }
            session.cancel()
            session.cancel()  // idempotent
            let events = await Self.terminal(session)
            #expect(events.deltaCount == 0)
            #expect(events.terminals.count == 1)
            #expect(events.terminals.first?.data.contains(#""code":"CANCELLED""#) == true)
            await upstream.waitUntil { $0.contains(.clientDisconnected(path: "/v1beta/models/fake:hang:streamGenerateContent")) }
            #expect(session.finish().afterTerminal == 0)
        }
    }

    @Test("cancel after done is harmless and emits nothing")
    func cancelAfterDone() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try Self.session(port: port)
            #expect(session.start(message: "hello", model: "gemini-2.5-flash") == PATCHBAY_OK)
            let before = await Self.terminal(session)
            #expect(before.terminals.first?.kind == PATCHBAY_EVENT_DONE)
            session.cancel()
            session.cancel()
            let events = session.finish()
            #expect(events.count == before.count)
        }
    }

    @Test("cancel from inside on_event stops the call")
    func cancelInsideCallback() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try Self.session(port: port)
            session.cancelOnFirstDelta = true
            #expect(session.start(message: "hello", model: "fake:deltas=50,interval=10") == PATCHBAY_OK)
            let events = await Self.terminal(session)
            #expect(events.deltaCount < 50)
            #expect(events.terminals.first?.kind == PATCHBAY_EVENT_ERROR)
            #expect(events.terminals.first?.data.contains(#""code":"CANCELLED""#) == true)
            #expect(session.finish().afterTerminal == 0)
        }
    }

    @Test("a safety stop after a delta is one ERROR terminal with INVALID_REQUEST")
    func safetyStop() async throws {
        try await FakeUpstream.withRunning { _, port in
            let session = try Self.session(port: port)
            #expect(session.start(message: "hello", model: "fake:safety") == PATCHBAY_OK)
            _ = await Self.terminal(session)
            let events = session.finish()
            #expect(events.text == "Hello")
            #expect(events.terminals.count == 1)
            #expect(events.terminals.first?.data == #"{"code":"INVALID_REQUEST","message":"Gemini stopped the reply (SAFETY)","retryable":false}"#)
        }
    }
}
