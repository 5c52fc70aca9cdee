import CPatchbayPlugin
import Foundation
import Synchronization

/// Builds the ABI descriptor for a ``ProviderPlugin`` type, with C trampolines that turn the
/// ABI's calls into the protocol's methods.
///
/// The descriptor of a type is built once and never freed (the ABI wants a static descriptor).
/// Everything is kept per plugin type: two plugins that each link their own copy of the kit into
/// their own .so, or several plugin types in one copy, never share state.
public enum PluginExport {
    /// How many plugin types one copy of the kit can export (each needs its own C entry points
    /// for `instance_create` and `config_check`, which carry no context pointer).
    public static let maximumPluginTypes = PluginRegistry.slotCount

    /// Returns `Plugin`'s descriptor, or `nil` to refuse the host: a major version other than the
    /// header's, a minor below `Plugin.minimumHostMinor`, an invalid plugin name, or more than
    /// ``maximumPluginTypes`` types exported from one copy of the kit.
    ///
    /// Call it from the plugin's `@_cdecl("patchbay_plugin_entry_v1")` function.
    public static func descriptor<Plugin: ProviderPlugin>(
        for type: Plugin.Type,
        hostMajor: UInt16,
        hostMinor: UInt16
    ) -> UnsafePointer<patchbay_plugin_descriptor>? {
        guard hostMajor == UInt16(PATCHBAY_ABI_MAJOR), hostMinor >= Plugin.minimumHostMinor else { return nil }
        hostMinorSeen.store(hostMinor, ordering: .relaxed)
        return PluginRegistry.shared.descriptor(for: type)
    }

    /// The ABI minor of the host that asked for a descriptor (events it does not know are not
    /// sent to it). One process has one host.
    static var hostMinor: UInt16 { hostMinorSeen.load(ordering: .relaxed) }
    private static let hostMinorSeen = Atomic<UInt16>(0)

    /// True if `name` is a valid plugin name: `[a-z0-9_-]+`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2D }
    }
}

/// The plugin types this copy of the kit exports, one slot each.
final class PluginRegistry: Sendable {
    static let shared = PluginRegistry()
    static let slotCount = createSlots.count

    struct Entry: Sendable {
        let typeID: ObjectIdentifier
        let name: String
        let descriptor: UncheckedSendable<UnsafeMutablePointer<patchbay_plugin_descriptor>>
        let create: @Sendable (PluginSettings, HostLog) throws -> any ProviderPlugin
        let check: @Sendable (PluginSettings) throws -> Void
    }

    private let entries = Mutex<[Entry]>([])

    func descriptor<Plugin: ProviderPlugin>(for type: Plugin.Type) -> UnsafePointer<patchbay_plugin_descriptor>? {
        entries.withLock { entries -> UnsafePointer<patchbay_plugin_descriptor>? in
            let typeID = ObjectIdentifier(type)
            if let entry = entries.first(where: { $0.typeID == typeID }) {
                return UnsafePointer(entry.descriptor.value)
            }
            let slot = entries.count
            guard slot < createSlots.count, PluginExport.isValidName(Plugin.name) else { return nil }
            // Allocated once and never freed: the descriptor and its strings live as long as the library.
            let descriptor = UnsafeMutablePointer<patchbay_plugin_descriptor>.allocate(capacity: 1)
            descriptor.initialize(to: patchbay_plugin_descriptor(
                struct_size: UInt32(MemoryLayout<patchbay_plugin_descriptor>.size),
                abi_major: UInt16(PATCHBAY_ABI_MAJOR),
                abi_minor: UInt16(PATCHBAY_ABI_MINOR),
                name: UnsafePointer(strdup(Plugin.name)),
                version: UnsafePointer(strdup(Plugin.version)),
                manifest_json: UnsafePointer(strdup(Plugin.manifest.json)),
                instance_create: createSlots[slot],
                instance_destroy: instanceDestroy,
                free_string: freeString,
                chat_start: chatStart,
                chat_cancel: chatCancel,
                chat_release: chatRelease,
                config_check: checkSlots[slot],
                chat_pause: chatPause,
                chat_resume: chatResume,
                // Exported only with the capability: the host requires both, and a plugin that
                // never declared it keeps the protocol's refusing default out of the ABI.
                embed_start: Plugin.manifest.capabilities.contains(.embeddings) ? embedStart : nil
            ))
            entries.append(Entry(
                typeID: typeID,
                name: Plugin.name,
                descriptor: UncheckedSendable(descriptor),
                create: { settings, log in try Plugin(settings: settings, log: log) },
                check: { settings in try Plugin.checkSettings(settings) }
            ))
            return UnsafePointer(descriptor)
        }
    }

    func entry(_ slot: Int) -> Entry? {
        entries.withLock { $0.indices.contains(slot) ? $0[slot] : nil }
    }
}

// MARK: - Per-instance and per-call objects

/// What `patchbay_instance *` points at.
private final class InstanceBox: Sendable {
    let plugin: any ProviderPlugin
    let log: HostLog

    init(plugin: any ProviderPlugin, log: HostLog) {
        self.plugin = plugin
        self.log = log
    }
}

/// What `patchbay_call *` points at.
private final class CallBox: Sendable {
    let sink: ChatEventSink
    private let handle = Mutex<(any ChatCallHandle)?>(nil)

    init(sink: ChatEventSink) { self.sink = sink }

    func setHandle(_ handle: any ChatCallHandle) {
        self.handle.withLock { $0 = handle }
    }

    func cancel() {
        sink.markCancelled()
        handle.withLock { $0 }?.cancel()
        sink.endIfCancelled()
    }

    /// A pause that comes before `startChat` has returned its handle (from inside an event it
    /// emitted) is not lost: `setHandle` would need to replay it. The host cannot pause before
    /// `chat_start` returns, so the handle is always there.
    func pause() { handle.withLock { $0 }?.pause() }
    func resume() { handle.withLock { $0 }?.resume() }
}

// MARK: - Trampolines

private typealias CreateFunction = @convention(c) (
    UnsafePointer<patchbay_host_services>?, UnsafePointer<CChar>?, Int,
    UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> patchbay_status

private typealias CheckFunction = @convention(c) (
    UnsafePointer<CChar>?, Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> patchbay_status

// One C function per slot: `instance_create` and `config_check` get no context pointer, so the
// function itself must know which plugin type it serves.
private let createSlots: [CreateFunction] = [
    { create(slot: 0, $0, $1, $2, $3, $4) }, { create(slot: 1, $0, $1, $2, $3, $4) },
    { create(slot: 2, $0, $1, $2, $3, $4) }, { create(slot: 3, $0, $1, $2, $3, $4) },
    { create(slot: 4, $0, $1, $2, $3, $4) }, { create(slot: 5, $0, $1, $2, $3, $4) },
    { create(slot: 6, $0, $1, $2, $3, $4) }, { create(slot: 7, $0, $1, $2, $3, $4) },
]

private let checkSlots: [CheckFunction] = [
    { check(slot: 0, $0, $1, $2) }, { check(slot: 1, $0, $1, $2) },
    { check(slot: 2, $0, $1, $2) }, { check(slot: 3, $0, $1, $2) },
    { check(slot: 4, $0, $1, $2) }, { check(slot: 5, $0, $1, $2) },
    { check(slot: 6, $0, $1, $2) }, { check(slot: 7, $0, $1, $2) },
]

private func settingsData(_ json: UnsafePointer<CChar>?, _ length: Int) -> Data {
    guard let json, length > 0 else { return Data() }
    return Data(bytes: json, count: length)
}

private func message(for error: any Error, plugin name: String) -> UnsafeMutablePointer<CChar>? {
    strdup("\(name): \(error)")
}

private func create(
    slot: Int,
    _ host: UnsafePointer<patchbay_host_services>?,
    _ json: UnsafePointer<CChar>?,
    _ length: Int,
    _ out: UnsafeMutablePointer<OpaquePointer?>?,
    _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> patchbay_status {
    guard let host, let out, json != nil || length == 0 else { return PATCHBAY_ERR_INVALID_ARGUMENT }
    guard let entry = PluginRegistry.shared.entry(slot) else { return PATCHBAY_ERR_UNAVAILABLE }
    let log = HostLog(services: host)
    do {
        let settings = try PluginSettings(json: settingsData(json, length))
        try entry.check(settings)
        let plugin = try entry.create(settings, log)
        out.pointee = OpaquePointer(Unmanaged.passRetained(InstanceBox(plugin: plugin, log: log)).toOpaque())
        return PATCHBAY_OK
    } catch {
        outError?.pointee = message(for: error, plugin: entry.name)
        return (error as? PluginError)?.status ?? PATCHBAY_ERR_CONFIG
    }
}

private func check(
    slot: Int,
    _ json: UnsafePointer<CChar>?,
    _ length: Int,
    _ outError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> patchbay_status {
    guard let entry = PluginRegistry.shared.entry(slot) else { return PATCHBAY_ERR_UNAVAILABLE }
    do {
        try entry.check(try PluginSettings(json: settingsData(json, length)))
        return PATCHBAY_OK
    } catch {
        outError?.pointee = message(for: error, plugin: entry.name)
        return PATCHBAY_ERR_CONFIG
    }
}

private let instanceDestroy: @convention(c) (OpaquePointer?) -> Void = { instance in
    guard let instance else { return }
    let box = Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(instance)).takeRetainedValue()
    box.plugin.shutdown()
}

private let freeString: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { free($0) }

private typealias StartFunction = @convention(c) (
    OpaquePointer?, UnsafePointer<patchbay_chat_request>?, UnsafeMutablePointer<OpaquePointer?>?
) -> patchbay_status

private let chatStart: StartFunction = { instance, request, out in
    startCall(instance, request, out, function: "chat_start") { box, json, sink in
        guard let parsed = try? ChatCallRequest(json: json) else {
            box.log.debug("chat_start refused: the request JSON does not follow schema 1")
            return nil
        }
        return { try box.plugin.startChat(parsed, events: sink) }
    }
}

/// ABI 1.3: the same call life as chat_start, with the embedding request.
private let embedStart: StartFunction = { instance, request, out in
    startCall(instance, request, out, function: "embed_start") { box, json, sink in
        let parsed: EmbeddingCallRequest
        do {
            parsed = try EmbeddingCallRequest(json: json)
        } catch {
            box.log.warning("embed_start refused: \(error)")
            return nil
        }
        return { try box.plugin.startEmbedding(parsed, events: sink) }
    }
}

/// What chat_start and embed_start share: checks the request struct, reads its JSON with `parse`
/// (nil refuses the call), starts it, and keeps the ABI's promise of one terminal event once
/// anything went out.
private func startCall(
    _ instance: OpaquePointer?, _ request: UnsafePointer<patchbay_chat_request>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
    function: String,
    parse: (InstanceBox, UnsafeRawBufferPointer, ChatEventSink) -> (() throws -> any ChatCallHandle)?
) -> patchbay_status {
    guard let instance, let request, let out,
          Int(request.pointee.struct_size) >= MemoryLayout<patchbay_chat_request>.size,
          let onEvent = request.pointee.on_event,
          let json = request.pointee.json
    else { return PATCHBAY_ERR_INVALID_ARGUMENT }
    let box = Unmanaged<InstanceBox>.fromOpaque(UnsafeRawPointer(instance)).takeUnretainedValue()
    let sink = ChatEventSink(onEvent: onEvent, userData: request.pointee.user_data, hostMinor: PluginExport.hostMinor)
    guard let start = parse(box, UnsafeRawBufferPointer(start: json, count: request.pointee.json_len), sink) else {
        return PATCHBAY_ERR_INVALID_ARGUMENT
    }
    let call = CallBox(sink: sink)
    do {
        call.setHandle(try start())
    } catch {
        if sink.closeIfSilent() {
            return (error as? PluginError)?.status ?? PATCHBAY_ERR_INVALID_ARGUMENT
        }
        // Events already went out: the call has begun, so it must end with a terminal event.
        box.log.warning("\(function) threw after emitting events: \(error)")
        sink.fail(ChatError(code: .internalError, message: "the plugin failed while starting the call"))
        call.setHandle(CompletedChatCall())
    }
    out.pointee = OpaquePointer(Unmanaged.passRetained(call).toOpaque())
    return PATCHBAY_OK
}

private let chatCancel: @convention(c) (OpaquePointer?) -> Void = { call in
    guard let call else { return }
    Unmanaged<CallBox>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue().cancel()
}

private let chatPause: @convention(c) (OpaquePointer?) -> Void = { call in
    guard let call else { return }
    Unmanaged<CallBox>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue().pause()
}

private let chatResume: @convention(c) (OpaquePointer?) -> Void = { call in
    guard let call else { return }
    Unmanaged<CallBox>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue().resume()
}

private let chatRelease: @convention(c) (OpaquePointer?) -> Void = { call in
    guard let call else { return }
    let box = Unmanaged<CallBox>.fromOpaque(UnsafeRawPointer(call)).takeRetainedValue()
    box.sink.detach()
}
