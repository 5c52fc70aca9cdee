import Foundation
import Synchronization
import Testing

@testable import PatchbayPluginKit

@Suite("Chat event sink")
struct ChatEventSinkTests {
    @Test("deltas, usage, then exactly one terminal; nothing after it")
    func oneTerminal() {
        let events = Recorder<ChatEvent>()
        let sink = ChatEventSink { events.append($0) }
        #expect(sink.delta("Hel"))
        #expect(sink.delta("lo"))
        #expect(sink.delta(""))  // an empty delta is skipped, not an error
        #expect(sink.usage(inputTokens: 3, outputTokens: 2))
        #expect(sink.hasEmittedDelta)
        #expect(sink.done(finishReason: "stop"))
        #expect(!sink.done())
        #expect(!sink.fail(ChatError(code: .providerError, message: "late")))
        #expect(!sink.delta("late"))
        #expect(sink.isFinished)
        #expect(events.all == [
            .delta(Array("Hel".utf8)), .delta(Array("lo".utf8)),
            .usage(inputTokens: 3, outputTokens: 2), .done(finishReason: "stop"),
        ])
    }

    @Test("cancel while idle: CANCELLED at once, then nothing")
    func cancelIdle() {
        let events = Recorder<ChatEvent>()
        let sink = ChatEventSink { events.append($0) }
        sink.delta("a")
        sink.markCancelled()
        #expect(!sink.delta("b"))
        sink.endIfCancelled()
        sink.endIfCancelled()
        #expect(!sink.done())
        #expect(events.all == [.delta(Array("a".utf8)), .error(.cancelled)])
        #expect(sink.isCancelled)
    }

    @Test("after cancel, the plugin's own terminal becomes CANCELLED")
    func cancelRewritesTerminal() {
        let events = Recorder<ChatEvent>()
        let sink = ChatEventSink { events.append($0) }
        sink.markCancelled()
        #expect(sink.fail(ChatError(code: .providerError, message: "aborted")))
        #expect(events.all == [.error(.cancelled)])
    }

    @Test("cancel from inside the callback: the delivering frame ends the call after it returns")
    func cancelInsideCallback() {
        let events = Recorder<ChatEvent>()
        let sinkBox = Mutex<ChatEventSink?>(nil)
        let sink = ChatEventSink { event in
            events.append(event)
            if case .delta = event, let sink = sinkBox.withLock({ $0 }) {
                // What chat_cancel does, from inside on_event.
                sink.markCancelled()
                #expect(!sink.delta("re-entrant"))
                sink.endIfCancelled()
                #expect(events.count == 1)  // nothing delivered inside the callback
            }
        }
        sinkBox.withLock { $0 = sink }
        sink.delta("a")
        #expect(!sink.delta("b"))
        #expect(events.all == [.delta(Array("a".utf8)), .error(.cancelled)])
        sinkBox.withLock { $0 = nil }  // break the test's own cycle
    }

    @Test("events from many threads are never delivered at the same time")
    func serialized() async {
        let inside = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        let events = Recorder<ChatEvent>()
        let sink = ChatEventSink { event in
            if inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue > 1 {
                overlaps.wrappingAdd(1, ordering: .relaxed)
            }
            var spin = 0
            for value in 0..<2_000 { spin &+= value }  // stay inside a little while
            _ = spin
            events.append(event)
            inside.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        }
        let threads = 8
        let perThread = 200
        let finished = Latch<Void>()
        let counter = Atomic<Int>(0)
        for _ in 0..<threads {
            Thread {
                for _ in 0..<perThread { sink.delta("x") }
                if counter.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue == threads {
                    finished.fulfill(())
                }
            }.start()
        }
        #expect(await finished.wait() != nil)
        sink.done()
        #expect(overlaps.load(ordering: .sequentiallyConsistent) == 0)
        #expect(events.count == threads * perThread + 1)
        #expect(events.all.last == .done(finishReason: nil))
    }

    @Test("a silent sink can be closed without an event; a used one cannot")
    func closeIfSilent() {
        let events = Recorder<ChatEvent>()
        let silent = ChatEventSink { events.append($0) }
        #expect(silent.closeIfSilent())
        #expect(!silent.delta("dropped"))
        let used = ChatEventSink { events.append($0) }
        used.delta("a")
        #expect(!used.closeIfSilent())
        #expect(events.count == 1)
    }

    @Test("ChatError JSON and the transport mapping")
    func errorJSON() throws {
        let error = ChatError(code: .providerError, message: "bad \"thing\"\n", retryable: true, upstreamStatus: 502)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(error.json.utf8)) as? [String: Any])
        #expect(object["code"] as? String == "PROVIDER_ERROR")
        #expect(object["message"] as? String == "bad \"thing\"\n")
        #expect(object["retryable"] as? Bool == true)
        #expect(object["upstream_status"] as? Int == 502)
        #expect(ChatError(HTTPTransportError(code: .connectFailed, message: "")).code == .providerUnavailable)
        #expect(ChatError(HTTPTransportError(code: .idleTimeout, message: "")).code == .timeout)
        #expect(ChatError(HTTPTransportError(code: .cancelled, message: "")).code == .cancelled)
        #expect(ChatError(.httpStatus(HTTPResponseHead(status: 401))).code == .providerError)
        #expect(ChatError(.httpStatus(HTTPResponseHead(status: 401))).retryable == false)
        #expect(object["retry_after_ms"] == nil, "absent unless the upstream named a wait")
    }

    @Test("an upstream's Retry-After (or retry-after-ms) travels in the error as retry_after_ms, for the host's key cool-down")
    func retryAfterTravels() throws {
        let limited = ChatError(.httpStatus(HTTPResponseHead(status: 429, headers: ["Retry-After": "7"])))
        #expect(limited.retryAfterMilliseconds == 7000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(limited.json.utf8)) as? [String: Any])
        #expect(object["retry_after_ms"] as? Int == 7000)
        #expect(object["upstream_status"] as? Int == 429)
        #expect(ChatError(.httpStatus(HTTPResponseHead(status: 503, headers: ["retry-after-ms": "250"]))).retryAfterMilliseconds == 250)
        #expect(ChatError(.httpStatus(HTTPResponseHead(status: 429))).retryAfterMilliseconds == nil)
    }
}
