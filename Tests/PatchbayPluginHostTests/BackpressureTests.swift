import CPatchbayPlugin
import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

@Suite("Backpressure: a reader that falls behind pauses the plugin, or stops a plugin that cannot pause")
struct BackpressureTests {
    private func request(_ text: String, model: String = "echo-1") -> String {
        #"{"request_id":"r","model":"\#(model)","messages":[{"role":"user","content":"\#(text)"}],"stream":true}"#
    }

    /// Reads a call to its end: its text, and its last event.
    private func readAll(_ call: ChatCall) async -> (text: String, last: PluginEvent?) {
        var text = ""
        var last: PluginEvent?
        for await event in call.events {
            if case .delta(let piece) = event { text += piece }
            last = event
        }
        return (text, last)
    }

    private func instance(_ path: String, settings: String = "{}", recorder: LogRecorder) throws -> ProviderInstance {
        let plugin = try PluginLoader(logger: recorder.logger()).load(path: path).get()
        return try plugin.makeInstance(provider: plugin.name, settingsJSON: settings, logger: recorder.logger())
    }

    @Test("the echo plugin is paused once the bound is passed, stays paused, resumes as the reader reads; the reply is whole")
    func echoPausesAndResumes() async throws {
        let recorder = LogRecorder()
        let echo = try instance(TestPaths.builtPlugin("EchoProvider"), settings: #"{"delay_ms":1}"#, recorder: recorder)
        #expect(echo.plugin.canPause)
        let words = (1...3000).map { "w\($0)" }
        let text = words.joined(separator: " ")  // about 17 KB: many times the bound
        let bound = 2048
        let longestDelta = words.map { $0.utf8.count + 1 }.max()!
        let call = try echo.startCall(requestJSON: request(text), bufferBytes: bound)

        // Nobody reads: the plugin must be told to pause just past the bound.
        _ = try await withDeadline(30) { try await recorder.firstLine { $0.message == "echo: call paused" } }
        let paused = call.flow
        #expect(paused.paused)
        #expect(paused.pauses == 1)
        #expect(paused.mostQueuedBytes > bound)
        #expect(paused.mostQueuedBytes <= bound + longestDelta)

        // A second call runs on the same worker thread, word after word, to its end: had the
        // first call not been paused, the worker would have emitted its words in between.
        var other = ""
        for await event in try echo.startChat(requestJSON: request("one two three four five six seven eight")) {
            if case .delta(let piece) = event { other += piece }
        }
        #expect(other == "one two three four five six seven eight")
        #expect(call.flow.mostQueuedBytes == paused.mostQueuedBytes)
        #expect(!recorder.lines.contains { $0.message == "echo: call resumed" })

        // Reading drains the queue; the plugin is resumed once it falls to half the bound (a reader
        // as fast as this one may never fill it again, so further pauses are not asserted).
        let (received, last) = await readAll(call)
        #expect(received == text)
        #expect(last == .done(finishReason: "stop"))
        let report = call.flow
        #expect(report.pauses >= 1)
        #expect(!report.paused)
        #expect(report.mostQueuedBytes <= bound + longestDelta)
        #expect(recorder.lines.contains { $0.message == "echo: call resumed" })
    }

    @Test("the Rust mirror plugin is paused past the bound and stays paused until its reader catches up")
    func rustPluginPauses() async throws {
        try await RustPlugin.build()
        let recorder = LogRecorder()
        let mirror = try instance(TestPaths.builtPlugin(RustPlugin.product), settings: #"{"delay_ms":1}"#, recorder: recorder)
        #expect(mirror.plugin.canPause)
        let words = (1...3000).map { "w\($0)" }
        let text = words.joined(separator: " ")
        let bound = 2048
        let longestDelta = words.map { $0.utf8.count + 1 }.max()!
        let call = try mirror.startCall(requestJSON: request(text, model: "mirror-1"), bufferBytes: bound)
        _ = try await withDeadline(30) { try await recorder.firstLine { $0.message == "mirror: call paused" } }

        // Another whole call (its own thread, a millisecond a word) while nobody reads the first:
        // had the first ignored its pause, it would have queued dozens more words meanwhile.
        var other = ""
        for await event in try mirror.startChat(requestJSON: request((1...100).map { "x\($0)" }.joined(separator: " "), model: "mirror-1")) {
            if case .delta(let piece) = event { other += piece }
        }
        #expect(other.hasSuffix("x100"))
        #expect(call.flow.paused)
        #expect(call.flow.mostQueuedBytes <= bound + longestDelta)

        let (received, last) = await readAll(call)
        #expect(received == text)
        #expect(last == .done(finishReason: "stop"))
        #expect(call.flow.mostQueuedBytes <= bound + longestDelta)
        #expect(recorder.lines.contains { $0.message == "mirror: call resumed" })
    }

    @Test("a 1.0 plugin, which cannot pause, has its call stopped past the bound with STREAM_BUFFER_FULL")
    func legacyPluginStopped() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI10(into: directory), recorder: recorder)
        #expect(!legacy.plugin.canPause)
        let bound = 4096
        let call = try legacy.startCall(requestJSON: request("x", model: "large"), bufferBytes: bound)

        // Nobody reads; the plugin's own line says when its call has ended. It may have finished
        // its 1,000 deltas before the host's cancel reached its thread (the ABI allows that): what
        // the reader gets must be the same either way.
        _ = try await withDeadline(30) { try await recorder.firstLine { $0.message.hasPrefix("abi10: call ended") } }

        let (received, last) = await readAll(call)
        #expect(received.utf8.count <= bound)
        #expect(received.utf8.count > bound - 100)
        #expect(last == .failed(PluginFailure(code: .streamBufferFull, message: "the client is reading too slowly")))
        #expect(call.flow.pauses == 0)
        // The host read neither member past the descriptor's 1.0 size.
        #expect(!recorder.lines.contains { $0.message.contains("called past struct_size") })
        #expect(recorder.lines.contains { $0.message == "stopping a call whose client reads too slowly" })
    }

    @Test("a 1.0 plugin whose reader keeps up is never stopped")
    func legacyPluginKeptUp() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI10(into: directory), recorder: recorder)
        #expect(legacy.plugin.abiMinor == 0)
        #expect(!legacy.plugin.canPause)
        var events: [PluginEvent] = []
        for await event in try legacy.startChat(requestJSON: request("x", model: "small"), bufferBytes: 1024) { events.append(event) }
        #expect(events == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop")])
    }

    @Test("a plugin cannot send the host's own STREAM_BUFFER_FULL code")
    func hostCodeNotForPlugins() throws {
        let failure = try #require(PluginFailure(eventJSON: #"{"code":"STREAM_BUFFER_FULL","message":"m"}"#.utf8))
        #expect(failure.code == .internalError)
        #expect(failure.reportedCode == "STREAM_BUFFER_FULL")
    }
}

@Suite("StreamFlow: the queue's arithmetic")
struct StreamFlowTests {
    // Mutating calls are made outside #expect, whose expansion cannot mutate.

    @Test("pauses once past the limit, resumes at half, counts pauses")
    func pauseAndResume() {
        var flow = StreamFlow(limit: 100, canPause: true)
        let actions = [flow.enqueue(60), flow.enqueue(40), flow.enqueue(1), flow.enqueue(10)]
        // Exactly at the limit is still fine; one past pauses; already paused, no second pause.
        #expect(actions == [.keep, .keep, .pause, .keep])
        #expect(flow.queued == 111)
        let resumes = [flow.dequeue(60), flow.dequeue(1), flow.dequeue(10)]
        #expect(resumes == [false, true, false])  // 51 left is above half; 50 resumes
        #expect(flow.pauses == 1)
        #expect(flow.mostQueued == 111)
    }

    @Test("a plugin that cannot pause is stopped once, and what follows is dropped")
    func stopWithoutPause() {
        var flow = StreamFlow(limit: 100, canPause: false)
        let actions = [flow.enqueue(100), flow.enqueue(1), flow.enqueue(1)]
        #expect(actions == [.keep, .stop, .drop])
        #expect(flow.queued == 100)
        #expect(flow.overflowed)
    }

    @Test("a paused plugin that ignores the pause is stopped past twice the bound plus one read")
    func stopPausedPluginThatIgnoresIt() {
        var flow = StreamFlow(limit: 100, canPause: true)
        let rest = flow.hardLimit - 101
        let actions = [flow.enqueue(101), flow.enqueue(rest), flow.enqueue(1)]
        #expect(actions == [.pause, .keep, .stop])
    }
}
