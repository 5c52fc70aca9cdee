// A minimal Swift plugin for the ABI conformance tests. It reaches the host only through
// CPatchbayPlugin's header and exports the ABI 1.0 *minimum* descriptor (no config_check), to
// prove that a host accepts a smaller, older descriptor.
//
// What it does is scripted by the last user message:
//   "hang"                  no event until cancelled; the CANCELLED error comes from inside chat_cancel
//   "refuse"                chat_start returns PATCHBAY_ERR_INVALID_ARGUMENT (no event)
//   "error:CODE[:STATUS]"   a terminal ERROR with that code (and upstream_status)
//   "fail-after:N:CODE"     N deltas, then ERROR CODE (an error after the stream has begun)
//   anything else           its words as deltas, usage, DONE — all before chat_start returns
// Settings: {"fail_create": true} makes instance_create fail with a message.
import CPatchbayPlugin
import Foundation
import Synchronization

private final class Instance {
    let host: UnsafePointer<patchbay_host_services>
    init(host: UnsafePointer<patchbay_host_services>) { self.host = host }

    func log(_ text: String) {
        guard let log = host.pointee.log else { return }
        var text = text
        text.withUTF8 { $0.withMemoryRebound(to: CChar.self) { log(host.pointee.host_context, PATCHBAY_LOG_INFO, $0.baseAddress, $0.count) } }
    }
}

private final class Call: Sendable {
    let onEvent: patchbay_event_fn
    nonisolated(unsafe) let userData: UnsafeMutableRawPointer?
    let finished = Mutex(false)

    init(onEvent: patchbay_event_fn, userData: UnsafeMutableRawPointer?) {
        self.onEvent = onEvent
        self.userData = userData
    }

    func emit(_ kind: patchbay_event_kind, _ data: String) {
        var data = data
        data.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                var event = patchbay_event(
                    struct_size: UInt32(MemoryLayout<patchbay_event>.size),
                    abi_major: UInt16(PATCHBAY_ABI_MAJOR), abi_minor: UInt16(PATCHBAY_ABI_MINOR),
                    kind: kind, data: text.baseAddress, data_len: text.count)
                onEvent(userData, &event)
            }
        }
    }

    /// Emits a terminal event unless one was emitted already.
    func finish(_ kind: patchbay_event_kind, _ data: String) {
        let first = finished.withLock { done in
            defer { done = true }
            return !done
        }
        if first { emit(kind, data) }
    }
}

private func lastUserMessage(_ json: Data) -> String? {
    guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
          let messages = object["messages"] as? [[String: Any]] else { return nil }
    return messages.last { $0["role"] as? String == "user" }?["content"] as? String
}

private func errorJSON(_ code: String, status: Int?) -> String {
    let statusPart = status.map { ",\"upstream_status\":\($0)" } ?? ""
    return "{\"code\":\"\(code)\",\"message\":\"scripted \(code)\",\"retryable\":false\(statusPart)}"
}

private let create: @convention(c) (UnsafePointer<patchbay_host_services>?, UnsafePointer<CChar>?, Int,
                                     UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> patchbay_status = {
    host, json, length, out, error in
    guard let host, let json, let out else { return PATCHBAY_ERR_INVALID_ARGUMENT }
    let settings = Data(bytes: json, count: length)
    if let object = try? JSONSerialization.jsonObject(with: settings) as? [String: Any], object["fail_create"] as? Bool == true {
        error?.pointee = strdup("fail_create is set, so no instance for you")
        return PATCHBAY_ERR_CONFIG
    }
    let instance = Instance(host: host)
    instance.log("minimal-swift: instance created")
    out.pointee = OpaquePointer(Unmanaged.passRetained(instance).toOpaque())
    return PATCHBAY_OK
}

private let destroy: @convention(c) (OpaquePointer?) -> Void = { instance in
    guard let instance else { return }
    Unmanaged<Instance>.fromOpaque(UnsafeRawPointer(instance)).release()
}

private let freeString: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { free($0) }

private let start: @convention(c) (OpaquePointer?, UnsafePointer<patchbay_chat_request>?, UnsafeMutablePointer<OpaquePointer?>?) -> patchbay_status = {
    instance, request, out in
    guard instance != nil, let request, let out, let onEvent = request.pointee.on_event, let json = request.pointee.json else {
        return PATCHBAY_ERR_INVALID_ARGUMENT
    }
    let text = lastUserMessage(Data(bytes: json, count: request.pointee.json_len)) ?? ""
    if text == "refuse" { return PATCHBAY_ERR_INVALID_ARGUMENT }
    let call = Call(onEvent: onEvent, userData: request.pointee.user_data)
    out.pointee = OpaquePointer(Unmanaged.passRetained(call).toOpaque())

    let parts = text.split(separator: ":").map(String.init)
    switch parts.first {
    case "hang":
        break
    case "error":
        call.finish(PATCHBAY_EVENT_ERROR, errorJSON(parts.count > 1 ? parts[1] : "PROVIDER_ERROR", status: parts.count > 2 ? Int(parts[2]) : nil))
    case "fail-after":
        for index in 0..<(parts.count > 1 ? Int(parts[1]) ?? 1 : 1) { call.emit(PATCHBAY_EVENT_DELTA, "part\(index) ") }
        call.finish(PATCHBAY_EVENT_ERROR, errorJSON(parts.count > 2 ? parts[2] : "PROVIDER_ERROR", status: 502))
    default:
        var first = true
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            call.emit(PATCHBAY_EVENT_DELTA, first ? String(word) : " " + word)
            first = false
        }
        call.emit(PATCHBAY_EVENT_USAGE, "{\"input_tokens\":3,\"output_tokens\":\(text.split(separator: " ").count)}")
        call.finish(PATCHBAY_EVENT_DONE, "{\"finish_reason\":\"stop\"}")
    }
    return PATCHBAY_OK
}

private let cancel: @convention(c) (OpaquePointer?) -> Void = { call in
    guard let call else { return }
    // Delivered from inside chat_cancel, on the caller's thread: the ABI allows it.
    Unmanaged<Call>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue()
        .finish(PATCHBAY_EVENT_ERROR, "{\"code\":\"CANCELLED\",\"message\":\"cancelled\"}")
}

private let release: @convention(c) (OpaquePointer?) -> Void = { call in
    guard let call else { return }
    Unmanaged<Call>.fromOpaque(UnsafeRawPointer(call)).release()
}

/// Allocated once, never freed: the ABI wants a descriptor that lives as long as the library.
nonisolated(unsafe) private let descriptor: UnsafeMutablePointer<patchbay_plugin_descriptor> = {
    let pointer = UnsafeMutablePointer<patchbay_plugin_descriptor>.allocate(capacity: 1)
    pointer.initialize(to: patchbay_plugin_descriptor(
        // The ABI 1.0 minimum: everything up to chat_release, nothing after.
        struct_size: UInt32(MemoryLayout<patchbay_plugin_descriptor>.offset(of: \.chat_release)! + MemoryLayout<UnsafeRawPointer>.size),
        abi_major: UInt16(PATCHBAY_ABI_MAJOR),
        abi_minor: 0,
        name: UnsafePointer(strdup("minimal-swift")),
        version: UnsafePointer(strdup("0.1.0")),
        manifest_json: UnsafePointer(strdup(#"{"capabilities":["stream","usage","cancel"],"models":["minimal-1"]}"#)),
        instance_create: create,
        instance_destroy: destroy,
        free_string: freeString,
        chat_start: start,
        chat_cancel: cancel,
        chat_release: release,
        config_check: nil,
        chat_pause: nil,
        chat_resume: nil,
        embed_start: nil
    ))
    return pointer
}()

/// The plugin's one exported symbol.
@_cdecl("patchbay_plugin_entry_v1")
public func patchbayPluginEntryV1(_ hostMajor: UInt16, _ hostMinor: UInt16) -> UnsafePointer<patchbay_plugin_descriptor>? {
    hostMajor == UInt16(PATCHBAY_ABI_MAJOR) ? UnsafePointer(descriptor) : nil
}
