import FakeUpstream
import PatchbayJSON
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

/// ABI 1.4: a plugin on the kit tells the host how long its call waited on its upstream (the
/// TIMING event), and the host keeps it aside for its overhead figure, out of the reply's events.
@Suite("ABI 1.4 TIMING: the OpenAI plugin reports its upstream's time", .serialized, .timeLimit(.minutes(1)))
struct UpstreamTimingTests {
    @Test("reported before the first event: after one paced delta when streamed, after the whole reply when not; never more than the call took",
          arguments: [true, false])
    func reported(stream: Bool) async throws {
        let recorder = LogRecorder()
        let plugin = try PluginLoader(logger: recorder.logger()).load(path: TestPaths.builtPlugin("OpenAIProvider")).get()
        try await FakeUpstream.withRunning { _, port in
            let settings = #"{"base_url":"http://127.0.0.1:\#(port)/v1","api_key":"sk-timing-test","max_retries":0}"#
            let instance = try plugin.makeInstance(provider: "openai", settingsJSON: settings, logger: recorder.logger())
            let started = ContinuousClock.now
            // The fake upstream waits 40 ms before each of the two deltas (both before a whole reply).
            let call = try instance.startCall(ChatCallRequest(
                model: "fake:deltas=2,interval=40", messages: [.init(role: "user", content: "hi")], stream: stream))
            var events: [PluginEvent] = []
            var atFirstEvent: Duration?
            for await event in call.events {
                if events.isEmpty { atFirstEvent = call.upstreamTime }
                events.append(event)
            }
            let elapsed = started.duration(to: .now)
            #expect(events.filter { if case .delta = $0 { true } else { false } }.count == (stream ? 2 : 1), "a whole reply is one delta")
            #expect(events.last?.isTerminal == true && events.allSatisfy { if case .failed = $0 { false } else { true } })
            let first = try #require(atFirstEvent, "the TIMING event comes before the events it accounts for")
            let last = try #require(call.upstreamTime)
            #expect(first >= .milliseconds(stream ? 40 : 80), "the upstream's own wait is in it")
            #expect(first <= last && last <= elapsed, "never more than the call took: \(first), \(last), \(elapsed)")
        }
    }
}
