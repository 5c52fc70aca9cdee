import CPatchbayPlugin
import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

/// Drives a plugin through the raw C ABI, with no host bridge in between, and records what the
/// plugin does — so these tests judge the plugin against the header's promises.
final class RawABISession: @unchecked Sendable {
    // @unchecked: every mutable member is guarded by `condition`.
    struct Event: Equatable {
        var kind: Int32
        var data: String
        /// Whether `chat_start` had returned when the event arrived.
        var afterStartReturned: Bool
    }

    let plugin: LoadedPlugin
    let services: HostServices
    let instance: OpaquePointer
    private let condition = NSCondition()
    private var events: [Event] = []
    private var startReturned = false
    private var call: OpaquePointer?
    /// Called from inside `on_event` for the first delta, to prove cancel is safe there.
    var cancelOnFirstDelta = false

    init(product: String, settings: String) throws {
        let plugin = try PluginLoader(logger: LogRecorder().logger()).load(path: TestPaths.builtPlugin(product)).get()
        let services = HostServices(logger: LogRecorder().logger())
        var instance: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        let status = settings.withCString { plugin.descriptor.instance_create(services.table, $0, strlen($0), &instance, &error) }
        try #require(status == PATCHBAY_OK)
        self.plugin = plugin
        self.services = services
        self.instance = try #require(instance)
    }

    /// Starts one call; events are recorded as they come.
    /// - Parameter extraJSON: members appended to the request JSON (`,"state":"…"`).
    func start(message: String, model: String = "m", extraJSON: String = "") -> patchbay_status {
        let json = #"{"request_id":"t","model":""# + model + #"","messages":[{"role":"user","content":"# + "\"\(message)\"" + #"}],"stream":true"# + extraJSON + "}"
        var out: OpaquePointer?
        let status = json.withCString { text in
            var request = patchbay_chat_request(
                struct_size: UInt32(MemoryLayout<patchbay_chat_request>.size), abi_major: 1, abi_minor: 0,
                json: text, json_len: strlen(text), on_event: rawEventCallback,
                user_data: Unmanaged.passUnretained(self).toOpaque())
            return plugin.descriptor.chat_start(instance, &request, &out)
        }
        condition.lock()
        startReturned = true
        call = out
        condition.broadcast()
        condition.unlock()
        return status
    }

    fileprivate func record(_ kind: Int32, _ data: String) {
        condition.lock()
        events.append(Event(kind: kind, data: data, afterStartReturned: startReturned))
        let cancelNow = cancelOnFirstDelta && kind == PATCHBAY_EVENT_DELTA && events.filter({ $0.kind == PATCHBAY_EVENT_DELTA }).count == 1
        // Cancelling from inside on_event needs the handle, which chat_start hands back only on return.
        while cancelNow && !startReturned { condition.wait() }
        let handle = call
        condition.broadcast()
        condition.unlock()
        if cancelNow, let handle { plugin.descriptor.chat_cancel(handle) }
    }

    func cancel() {
        condition.lock()
        let handle = call
        condition.unlock()
        if let handle { plugin.descriptor.chat_cancel(handle) }
    }

    /// Waits (bounded) for a terminal event; returns the events so far.
    func waitForTerminal(seconds: Double = 10) -> [Event] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !events.contains(where: { $0.kind == PATCHBAY_EVENT_DONE || $0.kind == PATCHBAY_EVENT_ERROR }) {
            if !condition.wait(until: deadline) { break }
        }
        return events
    }

    /// Releases the call and destroys the instance; after this no plugin thread runs, so the
    /// recorded events are final.
    func finish() -> [Event] {
        condition.lock()
        let handle = call
        condition.unlock()
        if let handle { plugin.descriptor.chat_release(handle) }
        plugin.descriptor.instance_destroy(instance)
        condition.lock()
        defer { condition.unlock() }
        return events
    }
}

private let rawEventCallback: patchbay_event_fn = { userData, event in
    guard let userData, let event else { return }
    let text = String(decoding: UnsafeRawBufferPointer(start: event.pointee.data, count: event.pointee.data_len), as: UTF8.self)
    Unmanaged<RawABISession>.fromOpaque(userData).takeUnretainedValue().record(event.pointee.kind, text)
}

extension [RawABISession.Event] {
    var terminals: [RawABISession.Event] { filter { $0.kind == PATCHBAY_EVENT_DONE || $0.kind == PATCHBAY_EVENT_ERROR } }
    var text: String { filter { $0.kind == PATCHBAY_EVENT_DELTA }.map(\.data).joined() }
    var deltaCount: Int { filter { $0.kind == PATCHBAY_EVENT_DELTA }.count }
    /// Events after the first terminal one: the ABI allows none.
    var afterTerminal: Int {
        guard let index = firstIndex(where: { $0.kind == PATCHBAY_EVENT_DONE || $0.kind == PATCHBAY_EVENT_ERROR }) else { return 0 }
        return count - index - 1
    }
}

/// A plugin configuration under test.
struct ConformanceSubject: CustomTestStringConvertible, Sendable {
    var product: String
    var settings: String
    /// A message the plugin answers normally.
    var message = "hello brave new world"
    /// A message the plugin never finishes on its own (for cancel-before-first-delta).
    var hangingMessage: String?
    var testDescription: String { "\(product) \(settings)" }

    static let echo = ConformanceSubject(product: "EchoProvider", settings: #"{"delay_ms":0}"#)
    static let echoDelayed = ConformanceSubject(product: "EchoProvider", settings: #"{"delay_ms":2}"#)
    static let echoVerySlow = ConformanceSubject(product: "EchoProvider", settings: #"{"delay_ms":60000}"#, hangingMessage: "words that never come")
    static let swift = ConformanceSubject(product: "MinimalSwiftProvider", settings: "{}", hangingMessage: "hang")
    static let rust = ConformanceSubject(product: RustPlugin.product, settings: #"{"delay_ms":0}"#)
    static let rustDelayed = ConformanceSubject(product: RustPlugin.product, settings: #"{"delay_ms":2}"#)
    static let rustVerySlow = ConformanceSubject(product: RustPlugin.product, settings: #"{"delay_ms":60000}"#, hangingMessage: "words that never come")

    /// A session with the plugin, built first when it is the Rust one.
    func session() async throws -> RawABISession {
        if product == RustPlugin.product { try await RustPlugin.build() }
        return try RawABISession(product: product, settings: settings)
    }
}

@Suite("ABI conformance: the C echo plugin, a Swift plugin and the Rust mirror plugin keep the header's promises")
struct ABIConformanceTests {
    @Test("exactly one terminal event, nothing after it, deltas add up to the text", arguments: [ConformanceSubject.echo, .echoDelayed, .swift, .rust, .rustDelayed])
    func oneTerminalEvent(subject: ConformanceSubject) async throws {
        let session = try await subject.session()
        #expect(session.start(message: subject.message) == PATCHBAY_OK)
        _ = session.waitForTerminal()
        let events = session.finish()
        #expect(events.terminals.count == 1)
        #expect(events.terminals.first?.kind == PATCHBAY_EVENT_DONE)
        #expect(events.afterTerminal == 0)
        #expect(events.text == subject.message)
        #expect(events.contains { $0.kind == PATCHBAY_EVENT_USAGE })
    }

    @Test("cancel before the first delta ends the call with CANCELLED and no text", arguments: [ConformanceSubject.echoVerySlow, .swift, .rustVerySlow])
    func cancelBeforeFirstDelta(subject: ConformanceSubject) async throws {
        let session = try await subject.session()
        #expect(session.start(message: try #require(subject.hangingMessage)) == PATCHBAY_OK)
        session.cancel()
        session.cancel()  // idempotent
        let events = session.waitForTerminal()
        #expect(events.deltaCount == 0)
        #expect(events.terminals.count == 1)
        #expect(events.terminals.first?.kind == PATCHBAY_EVENT_ERROR)
        #expect(events.terminals.first?.data.contains(#""code":"CANCELLED""#) == true)
        let final = session.finish()
        #expect(final.afterTerminal == 0)
    }

    @Test("cancel after done is harmless and emits nothing", arguments: [ConformanceSubject.echo, .echoDelayed, .swift, .rust, .rustDelayed])
    func cancelAfterDone(subject: ConformanceSubject) async throws {
        let session = try await subject.session()
        #expect(session.start(message: subject.message) == PATCHBAY_OK)
        let before = session.waitForTerminal()
        #expect(before.terminals.first?.kind == PATCHBAY_EVENT_DONE)
        session.cancel()
        session.cancel()
        let events = session.finish()
        #expect(events.count == before.count)
        #expect(events.afterTerminal == 0)
    }

    @Test("events may arrive before chat_start returns", arguments: [ConformanceSubject.echo, .swift])
    func eventsBeforeStartReturns(subject: ConformanceSubject) throws {
        let session = try RawABISession(product: subject.product, settings: subject.settings)
        #expect(session.start(message: subject.message) == PATCHBAY_OK)
        let events = session.finish()
        // Both plugins answer synchronously here: every event, the terminal one too, came first.
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { !$0.afterStartReturned })
        #expect(events.terminals.count == 1)
    }

    @Test("cancel from inside on_event stops the call", arguments: [
        ConformanceSubject(product: "EchoProvider", settings: #"{"delay_ms":5}"#),
        ConformanceSubject(product: RustPlugin.product, settings: #"{"delay_ms":5}"#),
    ])
    func cancelInsideCallback(subject: ConformanceSubject) async throws {
        let session = try await subject.session()
        session.cancelOnFirstDelta = true
        #expect(session.start(message: "one two three four five six seven eight") == PATCHBAY_OK)
        let events = session.waitForTerminal()
        #expect(events.deltaCount < 8)
        #expect(events.terminals.first?.kind == PATCHBAY_EVENT_ERROR)
        #expect(session.finish().afterTerminal == 0)
    }

    @Test("a refused start emits no event and gives no handle")
    func refusedStart() throws {
        let session = try RawABISession(product: "MinimalSwiftProvider", settings: "{}")
        #expect(session.start(message: "refuse") == PATCHBAY_ERR_INVALID_ARGUMENT)
        #expect(session.finish().isEmpty)
    }

    @Test("the Rust plugin refuses a request that is not JSON, with no event and no handle")
    func rustRefusesMalformedRequest() async throws {
        let session = try await ConformanceSubject.rust.session()
        // An unescaped quote breaks the request's JSON.
        #expect(session.start(message: #"say "hi""#) == PATCHBAY_ERR_INVALID_ARGUMENT)
        #expect(session.finish().isEmpty)
    }
}
