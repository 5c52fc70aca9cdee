import CPatchbayPlugin
import Foundation
import PatchbayJSON
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

/// Plugins built against every earlier 1.x minor still load and chat in this host, and the host
/// reads nothing of theirs that their minor did not have; and the other way round, a plugin of
/// this minor loads and chats in a host built against the frozen 1.0 header.
@Suite("ABI 1.0, 1.1, 1.2 and 1.3 plugins in the ABI 1.4 host, and 1.4 plugins in an ABI 1.0 host")
struct EarlierMinorTests {
    private func instance(_ path: String, recorder: LogRecorder) throws -> ProviderInstance {
        let plugin = try PluginLoader(logger: recorder.logger()).load(path: path).get()
        return try plugin.makeInstance(provider: plugin.name, settingsJSON: "{}", logger: recorder.logger())
    }

    private func events(_ instance: ProviderInstance, _ request: ChatCallRequest) async throws -> [PluginEvent] {
        var events: [PluginEvent] = []
        for await event in try instance.startChat(requestJSON: request.json) { events.append(event) }
        return events
    }

    private let small = ChatCallRequest(model: "small", messages: [.init(role: "user", content: "hi")])

    @Test("a 1.0 plugin (descriptor ends at config_check) loads, chats, and is neither paused nor given state")
    func abi10() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI10(into: directory), recorder: recorder)
        #expect(PluginLoader.abiMinor == 4)
        #expect(legacy.plugin.abiMinor == 0 && !legacy.plugin.canPause && !legacy.plugin.keepsState && !legacy.plugin.canEmbed)
        #expect(try await events(legacy, small) == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop")])
    }

    @Test("a 1.1 plugin (descriptor ends at chat_resume) loads, can pause, chats; its undeclared state is ignored")
    func abi11() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI11(into: directory), recorder: recorder)
        #expect(legacy.plugin.abiMinor == 1 && legacy.plugin.canPause && !legacy.plugin.keepsState && !legacy.plugin.canEmbed)
        #expect(Int(legacy.plugin.descriptor.struct_size) == MemoryLayout<patchbay_plugin_descriptor>.offset(of: \.embed_start)!,
                "a 1.1 descriptor ends where 1.3's embed_start begins")
        // It sends "state" without declaring the capability: the host keeps none of it.
        #expect(try await events(legacy, small) == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop", state: nil)])
        #expect(recorder.lines.contains { $0.message == "abi11: request had no state" })
    }

    @Test("a 1.2 plugin (descriptor ends at chat_resume) loads, chats, keeps its state, and cannot embed")
    func abi12() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI12(into: directory), recorder: recorder)
        #expect(legacy.plugin.abiMinor == 2 && legacy.plugin.canPause && legacy.plugin.keepsState && !legacy.plugin.canEmbed)
        #expect(legacy.plugin.descriptor.embed_start == nil)
        #expect(try await events(legacy, small) == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop", state: "abi12-state")])
        let refusal = await #expect(throws: EmbeddingError.self) { try await legacy.embed(model: "small", inputs: ["x"], requestID: "r") }
        #expect(refusal?.code == .notSupported)
    }

    @Test("a 1.3 plugin (descriptor ends at embed_start) loads, chats and embeds; sending no timing, its whole wait is the provider's")
    func abi13() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI13(into: directory), recorder: recorder)
        #expect(legacy.plugin.abiMinor == 3 && legacy.plugin.canPause && !legacy.plugin.keepsState && legacy.plugin.canEmbed)
        #expect(Int(legacy.plugin.descriptor.struct_size) == MemoryLayout<patchbay_plugin_descriptor>.size,
                "1.4 appended no member: a 1.3 descriptor is as long as this host's")
        let call = try legacy.startCall(small)
        var events: [PluginEvent] = []
        for await event in call.events { events.append(event) }
        #expect(events == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop")])
        #expect(call.upstreamTime == nil, "no TIMING event: the host falls back to its own measure")
        let vectors = try await legacy.embed(model: "small", inputs: ["x"], requestID: "r")
        #expect(vectors == [[1, 0]])
    }

    @Test("a 1.2 plugin that lists \"embeddings\" without embed_start loads and chats, is never asked to embed, and is logged")
    func embeddingsClaimedWithoutFunction() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI12(
            into: directory, flags: ["-DCLAIMS_EMBEDDINGS"], name: "libclaims.so"), recorder: recorder)
        #expect(!legacy.plugin.canEmbed)
        #expect(recorder.lines.contains {
            $0.level == .warning && $0.message == #"plugin abi12 will not embed: its manifest lists "embeddings" but its descriptor has no embed_start"#
        })
        #expect(try await events(legacy, small).count == 4)
        let refusal = await #expect(throws: EmbeddingError.self) { try await legacy.embed(model: "small", inputs: ["x"], requestID: "r") }
        #expect(refusal?.code == .notSupported && refusal?.message.contains("no embed_start") == true)
    }

    @Test("a 1.3 plugin loads and chats in a host built against the frozen 1.0 header, which reads only 1.0's members",
          arguments: [#"{"delay_ms":0}"#, #"{"delay_ms":1}"#])
    func newPluginInOldHost(settings: String) async throws {
        let directory = try TemporaryDirectory()
        let host = try await BrokenPluginCompiler.compileABI10Host(into: directory)
        let run = try await ChildProcess.run(host, [TestPaths.builtPlugin("EchoProvider"), settings, "hello from the past"])
        #expect(run.status == 0, "\(run.output)")
        let size = MemoryLayout<patchbay_plugin_descriptor>.size
        #expect(run.output.contains("plugin echo abi 1.\(PluginLoader.abiMinor) size \(size)"))
        #expect(run.output.contains("text hello from the past\n"))
        #expect(run.output.contains(#"terminal DONE {"finish_reason":"stop"}"#))
        #expect(run.output.contains("unknown-kinds 0"))
    }

    @Test("a plugin that declares state has it kept up to PATCHBAY_STATE_MAX_BYTES; a longer one is refused and logged")
    func stateLimit() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let fits = try instance(try await BrokenPluginCompiler.compileABI11(
            into: directory, flags: ["-DDECLARES_STATE", "-DSTATE_BYTES=4096"], name: "libfits.so"), recorder: recorder)
        #expect(fits.plugin.keepsState)
        #expect(try await events(fits, small).last == .done(finishReason: "stop", state: String(repeating: "s", count: 4096)))

        let tooLong = try instance(try await BrokenPluginCompiler.compileABI11(
            into: directory, flags: ["-DDECLARES_STATE", "-DSTATE_BYTES=4097"], name: "libtoolong.so"), recorder: recorder)
        #expect(try await events(tooLong, small).last == .done(finishReason: "stop", state: nil))
        #expect(recorder.lines.contains { $0.message == "plugin sent a state of 4097 bytes; the most kept is 4096: none kept" })
    }

    @Test("the request JSON carries state only when given; the schema reads it back")
    func requestState() throws {
        #expect(!small.json.contains("state"))
        var threaded = small
        threaded.state = "resp_1"
        #expect(threaded.json.hasSuffix(#","stream":true,"state":"resp_1"}"#))
        #expect(try ChatCallRequest(json: Data(threaded.json.utf8)).state == "resp_1")
    }
}
