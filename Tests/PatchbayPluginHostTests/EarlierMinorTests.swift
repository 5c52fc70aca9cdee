import CPatchbayPlugin
import Foundation
import PatchbayJSON
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

/// Plugins built against every earlier 1.x minor still load and chat in this host, and the host
/// reads nothing of theirs that their minor did not have.
@Suite("ABI 1.0 and 1.1 plugins in the ABI 1.2 host")
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
        #expect(PluginLoader.abiMinor == 2)
        #expect(legacy.plugin.abiMinor == 0 && !legacy.plugin.canPause && !legacy.plugin.keepsState)
        #expect(try await events(legacy, small) == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop")])
    }

    @Test("a 1.1 plugin (descriptor ends at chat_resume) loads, can pause, chats; its undeclared state is ignored")
    func abi11() async throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let legacy = try instance(try await BrokenPluginCompiler.compileABI11(into: directory), recorder: recorder)
        #expect(legacy.plugin.abiMinor == 1 && legacy.plugin.canPause && !legacy.plugin.keepsState)
        #expect(Int(legacy.plugin.descriptor.struct_size) == MemoryLayout<patchbay_plugin_descriptor>.size,
                "1.2 appended nothing to the descriptor: a 1.1 descriptor is full size")
        // It sends "state" without declaring the capability: the host keeps none of it.
        #expect(try await events(legacy, small) == [.delta("ab "), .delta("ab "), .delta("ab "), .done(finishReason: "stop", state: nil)])
        #expect(recorder.lines.contains { $0.message == "abi11: request had no state" })
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
