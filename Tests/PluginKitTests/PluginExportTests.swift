import CPatchbayPlugin
import Foundation
import Synchronization
import Testing

@testable import PatchbayPluginKit

#if canImport(Glibc)
import Glibc
#endif

// MARK: Two plugin types, exported from this one copy of the kit

let shutdowns = Recorder<String>()

final class ScriptedPlugin: ProviderPlugin {
    static let name = "scripted"
    static let version = "1.2.3"
    static let manifest = PluginManifest(capabilities: [.stream, .usage, .cancel], models: ["s-1", "s-2"], description: "A \"scripted\" test plugin")

    static func checkSettings(_ settings: PluginSettings) throws {
        if try settings.bool("refuse") == true { throw SettingsError.invalid("refuse", "refuse is set") }
        _ = try settings.int("delay", in: 0...10)
    }

    private let log: HostLog

    init(settings: PluginSettings, log: HostLog) throws {
        self.log = log
        log.info("scripted created for \(settings.providerName ?? "?")")
    }

    /// A call that emits nothing until cancelled.
    final class Hanging: ChatCallHandle {
        let cancelled = Atomic<Int>(0)
        let pauses = Recorder<Bool>()
        func cancel() { cancelled.wrappingAdd(1, ordering: .relaxed) }
        func pause() { pauses.append(true) }
        func resume() { pauses.append(false) }
    }

    static let lastHanging = Mutex<Hanging?>(nil)

    func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        let text = request.messages.last?.content ?? ""
        switch text {
        case "refuse":
            throw PluginError.unavailable("busy")
        case "hang":
            let call = Hanging()
            Self.lastHanging.withLock { $0 = call }
            return call
        case "throw-after-delta":
            events.delta("x")
            throw PluginError.invalidArgument("late")
        default:
            var first = true
            for word in text.split(separator: " ") {
                events.delta(first ? String(word) : " " + word)
                first = false
            }
            events.usage(inputTokens: request.messages.count, outputTokens: text.split(separator: " ").count)
            events.done(finishReason: "stop")
            return CompletedChatCall()
        }
    }

    func shutdown() { shutdowns.append(Self.name) }
}

final class OtherPlugin: ProviderPlugin {
    static let name = "other"
    static let version = "0.0.1"
    static let manifest = PluginManifest(capabilities: [], models: [], description: "")
    static let minimumHostMinor: UInt16 = 3

    init(settings: PluginSettings, log: HostLog) throws {
        if try settings.bool("fail") == true { throw PluginError.config("fail is set") }
        log.warning("other created")
    }

    func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        events.fail(ChatError(code: .invalidRequest, message: "other never chats"))
        return CompletedChatCall()
    }

    func shutdown() { shutdowns.append(Self.name) }
}

final class BadNamePlugin: ProviderPlugin {
    static let name = "Bad Name"
    static let version = "1"
    static let manifest = PluginManifest(capabilities: [], models: [], description: "")
    init(settings: PluginSettings, log: HostLog) throws {}
    func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle { CompletedChatCall() }
}

// MARK: A fake host, through the C ABI only

final class FakeHost: @unchecked Sendable {
    let lines = Recorder<(Int32, String)>()
    let services: UnsafeMutablePointer<patchbay_host_services>

    init() {
        services = .allocate(capacity: 1)
        services.initialize(to: patchbay_host_services(
            struct_size: UInt32(MemoryLayout<patchbay_host_services>.size),
            abi_major: 1, abi_minor: 0, host_context: nil,
            log: { context, level, message, length in
                let host = Unmanaged<FakeHost>.fromOpaque(context!).takeUnretainedValue()
                host.lines.append((level, String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)))
            }))
        services.pointee.host_context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { services.deallocate() }
}

final class EventBox: @unchecked Sendable {
    let events = Recorder<(Int32, String)>()
    let firstDelta = Latch<Void>()
    let terminal = Latch<Void>()
}

private let recordEvent: patchbay_event_fn = { userData, event in
    let box = Unmanaged<EventBox>.fromOpaque(userData!).takeUnretainedValue()
    let event = event!.pointee
    box.events.append((event.kind, String(decoding: UnsafeRawBufferPointer(start: event.data, count: event.data_len), as: UTF8.self)))
    if event.kind == PATCHBAY_EVENT_DELTA { box.firstDelta.fulfill(()) }
    if event.kind == PATCHBAY_EVENT_DONE || event.kind == PATCHBAY_EVENT_ERROR { box.terminal.fulfill(()) }
}

private func take(_ string: UnsafeMutablePointer<CChar>?, _ descriptor: UnsafePointer<patchbay_plugin_descriptor>) -> String? {
    guard let string else { return nil }
    defer { descriptor.pointee.free_string!(string) }
    return String(cString: string)
}

func abiCreate(_ descriptor: UnsafePointer<patchbay_plugin_descriptor>, _ host: FakeHost, _ json: String) -> (patchbay_status, OpaquePointer?, String?) {
    var instance: OpaquePointer?
    var error: UnsafeMutablePointer<CChar>?
    let status = json.withCString { descriptor.pointee.instance_create!(host.services, $0, strlen($0), &instance, &error) }
    return (status, instance, take(error, descriptor))
}

func abiCheck(_ descriptor: UnsafePointer<patchbay_plugin_descriptor>, _ json: String) -> (patchbay_status, String?) {
    var error: UnsafeMutablePointer<CChar>?
    let status = json.withCString { descriptor.pointee.config_check!($0, strlen($0), &error) }
    return (status, take(error, descriptor))
}

func abiChatJSON(_ text: String) -> String {
    "{\"request_id\":\"r1\",\"model\":\"s-1\",\"messages\":[{\"role\":\"user\",\"content\":\"\(text)\"}],\"stream\":true,\"extra\":1}"
}

func abiStart(_ descriptor: UnsafePointer<patchbay_plugin_descriptor>, _ instance: OpaquePointer?, json: String, box: EventBox) -> (patchbay_status, OpaquePointer?) {
    var call: OpaquePointer?
    let status = json.withCString { text in
        var request = patchbay_chat_request(
            struct_size: UInt32(MemoryLayout<patchbay_chat_request>.size), abi_major: 1, abi_minor: 0,
            json: text, json_len: strlen(text), on_event: recordEvent,
            user_data: Unmanaged.passUnretained(box).toOpaque())
        return descriptor.pointee.chat_start!(instance, &request, &call)
    }
    return (status, call)
}

@Suite("Plugin export through the C ABI", .serialized)
struct PluginExportTests {
    @Test("the descriptor: built once, full size, names, manifest")
    func descriptor() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        #expect(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 7) == descriptor)
        #expect(Int(descriptor.pointee.struct_size) == MemoryLayout<patchbay_plugin_descriptor>.size)
        #expect(descriptor.pointee.abi_major == 1)
        #expect(String(cString: descriptor.pointee.name) == "scripted")
        #expect(String(cString: descriptor.pointee.version) == "1.2.3")
        #expect(descriptor.pointee.config_check != nil)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(String(cString: descriptor.pointee.manifest_json).utf8)) as? [String: Any])
        #expect(manifest["capabilities"] as? [String] == ["stream", "usage", "cancel"])
        #expect(manifest["models"] as? [String] == ["s-1", "s-2"])
        #expect(manifest["description"] as? String == "A \"scripted\" test plugin")
    }

    @Test("hosts the plugin cannot serve, and invalid names, get NULL")
    func refusals() {
        #expect(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 2, hostMinor: 0) == nil)
        #expect(PluginExport.descriptor(for: OtherPlugin.self, hostMajor: 1, hostMinor: 2) == nil)
        #expect(PluginExport.descriptor(for: OtherPlugin.self, hostMajor: 1, hostMinor: 3) != nil)
        #expect(PluginExport.descriptor(for: BadNamePlugin.self, hostMajor: 1, hostMinor: 0) == nil)
    }

    @Test("two plugin types get two descriptors whose create functions make their own type")
    func twoTypes() throws {
        let scripted = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        let other = try #require(PluginExport.descriptor(for: OtherPlugin.self, hostMajor: 1, hostMinor: 3))
        #expect(scripted != other)
        #expect(unsafeBitCast(scripted.pointee.instance_create, to: UnsafeRawPointer.self) != unsafeBitCast(other.pointee.instance_create, to: UnsafeRawPointer.self))
        let host = FakeHost()
        let (status1, instance1, _) = abiCreate(scripted, host, "{\"provider_name\":\"mine\"}")
        let (status2, instance2, _) = abiCreate(other, host, "{}")
        #expect(status1 == PATCHBAY_OK)
        #expect(status2 == PATCHBAY_OK)
        #expect(host.lines.all.map(\.1) == ["scripted created for mine", "other created"])
        #expect(host.lines.all.map(\.0) == [PATCHBAY_LOG_INFO, PATCHBAY_LOG_WARNING])
        let before = shutdowns.count
        scripted.pointee.instance_destroy!(instance1)
        other.pointee.instance_destroy!(instance2)
        #expect(Array(shutdowns.all.dropFirst(before)) == ["scripted", "other"])
    }

    @Test("config_check and instance_create refuse bad settings with a message and no secret")
    func settingsErrors() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        #expect(abiCheck(descriptor, "{\"provider_name\":\"x\",\"delay\":3}").0 == PATCHBAY_OK)
        let (status, message) = abiCheck(descriptor, "{\"delay\":\"sk-secret-123\"}")
        #expect(status == PATCHBAY_ERR_CONFIG)
        #expect(message == "scripted: delay must be a whole number")
        #expect(abiCheck(descriptor, "{\"delay\":11}").1 == "scripted: delay must be a whole number from 0 to 10")
        #expect(abiCheck(descriptor, "[1,2]").1 == "scripted: settings are not a JSON object")
        #expect(abiCheck(descriptor, "{\"refuse\":true}").1 == "scripted: refuse is set")

        let host = FakeHost()
        let (createStatus, instance, error) = abiCreate(descriptor, host, "{\"refuse\":true}")
        #expect(createStatus == PATCHBAY_ERR_CONFIG)
        #expect(instance == nil)
        #expect(error == "scripted: refuse is set")

        let other = try #require(PluginExport.descriptor(for: OtherPlugin.self, hostMajor: 1, hostMinor: 3))
        let (otherStatus, _, otherError) = abiCreate(other, host, "{\"fail\":true}")
        #expect(otherStatus == PATCHBAY_ERR_CONFIG)
        #expect(otherError == "other: fail is set")
    }

    @Test("a call that ends inside chat_start: deltas, usage, done, then release")
    func immediateCall() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        let host = FakeHost()
        let (_, instance, _) = abiCreate(descriptor, host, "{}")
        defer { descriptor.pointee.instance_destroy!(instance) }
        let box = EventBox()
        let (status, call) = abiStart(descriptor, instance, json: abiChatJSON("hello big world"), box: box)
        #expect(status == PATCHBAY_OK)
        #expect(call != nil)
        #expect(box.events.all.map(\.0) == [PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_USAGE, PATCHBAY_EVENT_DONE])
        #expect(box.events.all.prefix(3).map(\.1).joined() == "hello big world")
        #expect(box.events.all[3].1 == "{\"input_tokens\":1,\"output_tokens\":3}")
        #expect(box.events.all[4].1 == "{\"finish_reason\":\"stop\"}")
        descriptor.pointee.chat_cancel!(call)  // after the terminal: nothing happens
        #expect(box.events.count == 5)
        descriptor.pointee.chat_release!(call)
    }

    @Test("cancel: CANCELLED delivered from inside chat_cancel, once; the plugin's handle is told")
    func cancel() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        let host = FakeHost()
        let (_, instance, _) = abiCreate(descriptor, host, "{}")
        defer { descriptor.pointee.instance_destroy!(instance) }
        let box = EventBox()
        let (status, call) = abiStart(descriptor, instance, json: abiChatJSON("hang"), box: box)
        #expect(status == PATCHBAY_OK)
        #expect(box.events.count == 0)
        descriptor.pointee.chat_cancel!(call)
        #expect(box.events.count == 1)
        #expect(box.events.all.first?.0 == PATCHBAY_EVENT_ERROR)
        let error = try #require(try JSONSerialization.jsonObject(with: Data(box.events.all[0].1.utf8)) as? [String: Any])
        #expect(error["code"] as? String == "CANCELLED")
        descriptor.pointee.chat_cancel!(call)
        #expect(box.events.count == 1)
        let hanging = try #require(ScriptedPlugin.lastHanging.withLock { $0 })
        #expect(hanging.cancelled.load(ordering: .relaxed) == 2)
        descriptor.pointee.chat_release!(call)
    }

    @Test("ABI 1.1: chat_pause and chat_resume reach the plugin's handle; cancel still ends a paused call")
    func pauseAndResume() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 1))
        #expect(Int(descriptor.pointee.struct_size) == MemoryLayout<patchbay_plugin_descriptor>.size)
        #expect(descriptor.pointee.abi_minor == UInt16(PATCHBAY_ABI_MINOR))
        let pause = try #require(descriptor.pointee.chat_pause)
        let resume = try #require(descriptor.pointee.chat_resume)
        let host = FakeHost()
        let (_, instance, _) = abiCreate(descriptor, host, "{}")
        defer { descriptor.pointee.instance_destroy!(instance) }
        let box = EventBox()
        let (status, call) = abiStart(descriptor, instance, json: abiChatJSON("hang"), box: box)
        #expect(status == PATCHBAY_OK)
        let hanging = try #require(ScriptedPlugin.lastHanging.withLock { $0 })
        pause(call)
        resume(call)
        pause(call)
        #expect(hanging.pauses.all == [true, false, true])
        descriptor.pointee.chat_cancel!(call)
        #expect(box.events.count == 1)
        #expect(box.events.all.first?.1.contains("CANCELLED") == true)
        descriptor.pointee.chat_release!(call)
    }

    @Test("refusals: no event, out_call untouched")
    func refusedCalls() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        let host = FakeHost()
        let (_, instance, _) = abiCreate(descriptor, host, "{}")
        defer { descriptor.pointee.instance_destroy!(instance) }
        let box = EventBox()
        let (status, call) = abiStart(descriptor, instance, json: abiChatJSON("refuse"), box: box)
        #expect(status == PATCHBAY_ERR_UNAVAILABLE)
        #expect(call == nil)
        let (badStatus, badCall) = abiStart(descriptor, instance, json: "{\"model\": 5}", box: box)
        #expect(badStatus == PATCHBAY_ERR_INVALID_ARGUMENT)
        #expect(badCall == nil)
        #expect(box.events.count == 0)
    }

    @Test("a throw after a delta still ends the call with one terminal")
    func throwAfterDelta() throws {
        let descriptor = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        let host = FakeHost()
        let (_, instance, _) = abiCreate(descriptor, host, "{}")
        defer { descriptor.pointee.instance_destroy!(instance) }
        let box = EventBox()
        let (status, call) = abiStart(descriptor, instance, json: abiChatJSON("throw-after-delta"), box: box)
        #expect(status == PATCHBAY_OK)
        #expect(box.events.all.map(\.0) == [PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_ERROR])
        #expect(box.events.all.last?.1.contains("INTERNAL_ERROR") == true)
        descriptor.pointee.chat_release!(call)
    }
}
