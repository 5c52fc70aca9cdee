import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

@Suite("The host's bridge from ABI events to an AsyncStream")
struct ChatBridgeTests {
    private func echoInstance(delay: Int, recorder: LogRecorder = LogRecorder()) throws -> ProviderInstance {
        let plugin = try PluginLoader(logger: recorder.logger()).load(path: TestPaths.builtPlugin("EchoProvider")).get()
        return try plugin.makeInstance(provider: "echo", settingsJSON: #"{"delay_ms":\#(delay)}"#, logger: recorder.logger())
    }

    private func request(_ text: String) -> String {
        #"{"request_id":"r","model":"echo-1","messages":[{"role":"user","content":"\#(text)"}],"stream":true}"#
    }

    @Test("a call's events arrive in order and end with exactly one terminal event")
    func streamsInOrder() async throws {
        for delay in [0, 1] {
            var events: [PluginEvent] = []
            for await event in try echoInstance(delay: delay).startChat(requestJSON: request("a b c")) { events.append(event) }
            #expect(events == [.delta("a"), .delta(" b"), .delta(" c"), .usage(TokenUsage(inputTokens: 3, outputTokens: 3)), .done(finishReason: "stop")])
        }
    }

    @Test("cancelling the consuming task cancels the plugin's call")
    func taskCancellationReachesPlugin() async throws {
        let recorder = LogRecorder()
        // 100 words at 500 ms: a window of 50 s for the consumer to start on a busy machine.
        let instance = try echoInstance(delay: 500, recorder: recorder)
        let words = (1...100).map { "w\($0)" }.joined(separator: " ")
        let events = try instance.startChat(requestJSON: request(words))
        // The consuming task cancels itself once it has read a word: the cancellation lands on a
        // task that is iterating, however late a busy machine schedules anything else.
        let consumer = Task {
            var count = 0
            for await event in events {
                if case .delta = event { count += 1 }
                if count == 1 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return count
        }
        let line = try await withDeadline(30) { try await recorder.firstLine { $0.message.hasPrefix("echo: call cancelled after") } }
        #expect(line.message != "echo: call cancelled after 100 words")
        #expect(await consumer.value < 100)
    }

    @Test("a start the plugin refuses throws and leaves nothing in flight")
    func refusedStart() throws {
        let plugin = try PluginLoader(logger: LogRecorder().logger()).load(path: TestPaths.builtPlugin("MinimalSwiftProvider")).get()
        let instance = try plugin.makeInstance(provider: "m", settingsJSON: "{}", logger: LogRecorder().logger())
        #expect(throws: PluginCallError.self) { _ = try instance.startChat(requestJSON: request("refuse")) }
        #expect(instance.callsInFlight == 0)
    }

    @Test("plugin log lines reach the host's logger, tagged with provider and plugin")
    func pluginLogsThroughHost() throws {
        let recorder = LogRecorder()
        _ = try echoInstance(delay: 0, recorder: recorder)
        let line = try #require(recorder.lines.first { $0.message == "echo: instance created" })
        #expect(line.metadata["provider"] == "echo")
        #expect(line.metadata["plugin"] == "echo")
        #expect(line.level == .debug)
    }

    @Test("a UTF-8 character split across two deltas is joined, not mangled")
    func splitUTF8() {
        var pending: [UInt8] = []
        let bytes = Array("é👋".utf8)  // 2 + 4 bytes
        var text = ""
        for cut in [[bytes[0]], Array(bytes[1...2]), Array(bytes[3...4]), [bytes[5]]] {
            text += cut.withUnsafeBytes { ChatCallBridge.decodeDelta($0, pending: &pending) }
        }
        #expect(text == "é👋")
        #expect(pending.isEmpty)
    }
}
