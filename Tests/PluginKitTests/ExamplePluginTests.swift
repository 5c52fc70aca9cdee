import CPatchbayPlugin
import Foundation
import Synchronization
import Testing

@testable import PatchbayPluginKit

// An SSE provider written on the kit the way OpenAI/Anthropic plugins are: transport, retry
// driver, SSE parser, sink — then driven through the C ABI against the test server.

final class ExampleSSEPlugin: ProviderPlugin {
    static let name = "example-sse"
    static let version = "0.1.0"
    static let manifest = PluginManifest(capabilities: [.stream, .cancel], models: ["example-1"], description: "Streams SSE data lines")

    static func checkSettings(_ settings: PluginSettings) throws {
        _ = try settings.requiredString("base_url")
        _ = try settings.int("max_retries", in: 0...10)
    }

    private let transport: HTTPTransport
    private let baseURL: String
    private let policy: RetryPolicy
    private let log: HostLog

    init(settings: PluginSettings, log: HostLog) throws {
        baseURL = try settings.requiredString("base_url")
        policy = RetryPolicy(maxRetries: try settings.int("max_retries") ?? 2, baseDelay: .milliseconds(10))
        transport = try HTTPTransport(configuration: .init(maxHostConnections: 16))
        self.log = log
    }

    func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        let body = try JSONEncoder().encode(["model": request.model, "prompt": request.messages.last?.content ?? ""])
        let http = HTTPRequest(method: "POST", url: baseURL + "/v1/stream", headers: ["Content-Type": "application/json"], body: Array(body))
        let transport = self.transport
        let driver = RetryDriver(transport: transport, policy: policy, log: log) { attempt in
            attempt.track(transport.start(http, delegate: StreamAttempt(attempt: attempt, events: events)))
        } completion: { result in
            if case .failure(let error) = result { events.fail(ChatError(error)) }
        }
        driver.start()
        return driver
    }

    func shutdown() { transport.shutdown() }
}

/// One attempt's response handling; it lives on the event thread, so plain `var`s do.
final class StreamAttempt: HTTPResponseDelegate {
    private let attempt: RetryDriver.Attempt
    private let events: ChatEventSink
    private var parser = SSEParser()
    private var status = 0
    private var sawDone = false

    init(attempt: RetryDriver.Attempt, events: ChatEventSink) {
        self.attempt = attempt
        self.events = events
    }

    func didReceiveHead(_ head: HTTPResponseHead, transfer: HTTPTransfer) { status = head.status }

    func didReceiveBody(_ bytes: UnsafeRawBufferPointer, transfer: HTTPTransfer) {
        guard status == 200 else { return }
        parser.feed(bytes) { handle($0) }
    }

    private func handle(_ event: SSEEvent) {
        if event.data == "[DONE]" {
            sawDone = true
            events.done(finishReason: "stop")
        } else {
            events.delta(event.data)
        }
    }

    func didComplete(_ result: Result<HTTPResponseHead, HTTPTransportError>, transfer: HTTPTransfer) {
        switch result {
        case .success(let head) where head.status == 200:
            parser.finish { handle($0) }
            if sawDone {
                attempt.succeeded()
            } else {
                attempt.failed(HTTPTransportError(code: .transferFailed, message: "the stream ended early", head: head), clientHasOutput: events.hasEmittedDelta)
            }
        case .success(let head):
            attempt.failed(.httpStatus(head), clientHasOutput: events.hasEmittedDelta)
        case .failure(let error):
            attempt.failed(error, clientHasOutput: events.hasEmittedDelta)
        }
    }
}

/// The upstream: the prompt picks the behaviour.
private func upstream(closed: ClosedConnections) throws -> TestHTTPServer {
    let flakyCount = Atomic<Int>(0)
    return try TestHTTPServer { request, connection in
        let prompt = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String])?["prompt"] ?? ""
        func sse(_ events: [String]) -> Bool {
            let body = events.map { "data: \($0)\n\n" }.joined()
            return connection.write(TestHTTPServer.response(headers: [("Content-Type", "text/event-stream")], body: body))
        }
        switch prompt {
        case "flaky" where flakyCount.wrappingAdd(1, ordering: .relaxed).newValue == 1:
            return connection.write(TestHTTPServer.response(status: 529, reason: "Overloaded", headers: [("retry-after-ms", "5")], body: "{}"))
        case "bad":
            return connection.write(TestHTTPServer.response(status: 401, reason: "Unauthorized", body: "{}"))
        case "stall":
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            connection.writeChunk("data: first\n\n")
            if connection.waitForClientClose() { closed.append(connection.number) }
            return false
        default:
            return sse(["Hello", " world", "[DONE]"])
        }
    }
}

@Suite("An SSE plugin on the kit, through the C ABI", .serialized)
struct ExamplePluginTests {
    private func withInstance(_ body: (UnsafePointer<patchbay_plugin_descriptor>, OpaquePointer?, ClosedConnections) async throws -> Void) async throws {
        let closed = ClosedConnections()
        let server = try upstream(closed: closed)
        let descriptor = try #require(PluginExport.descriptor(for: ExampleSSEPlugin.self, hostMajor: 1, hostMinor: 0))
        let host = FakeHost()
        let (status, instance, error) = abiCreate(descriptor, host, "{\"base_url\":\"http://127.0.0.1:\(server.port)\",\"api_key\":\"sk-x\"}")
        #expect(status == PATCHBAY_OK, "\(error ?? "")")
        try await body(descriptor, instance, closed)
        descriptor.pointee.instance_destroy!(instance)  // joins the event thread
    }

    @Test("streams deltas then done")
    func streams() async throws {
        try await withInstance { descriptor, instance, _ in
            let box = EventBox()
            let (status, call) = abiStart(descriptor, instance, json: abiChatJSON("hi"), box: box)
            #expect(status == PATCHBAY_OK)
            #expect(await box.terminal.wait() != nil)
            #expect(box.events.all.map(\.0) == [PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_DONE])
            #expect(box.events.all.prefix(2).map(\.1).joined() == "Hello world")
            descriptor.pointee.chat_release!(call)
        }
    }

    @Test("an overloaded upstream is retried before anything is sent")
    func retries() async throws {
        try await withInstance { descriptor, instance, _ in
            let box = EventBox()
            let (_, call) = abiStart(descriptor, instance, json: abiChatJSON("flaky"), box: box)
            #expect(await box.terminal.wait() != nil)
            #expect(box.events.all.map(\.0) == [PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_DONE])
            descriptor.pointee.chat_release!(call)
        }
    }

    @Test("a 401 ends the call with PROVIDER_ERROR and the upstream status")
    func providerError() async throws {
        try await withInstance { descriptor, instance, _ in
            let box = EventBox()
            let (_, call) = abiStart(descriptor, instance, json: abiChatJSON("bad"), box: box)
            #expect(await box.terminal.wait() != nil)
            let error = try #require(try JSONSerialization.jsonObject(with: Data((box.events.all.last?.1 ?? "").utf8)) as? [String: Any])
            #expect(error["code"] as? String == "PROVIDER_ERROR")
            #expect(error["upstream_status"] as? Int == 401)
            #expect(box.events.count == 1)
            descriptor.pointee.chat_release!(call)
        }
    }

    @Test("chat_cancel mid-stream: CANCELLED at once, the upstream connection closed")
    func cancelMidStream() async throws {
        try await withInstance { descriptor, instance, closed in
            let box = EventBox()
            let (_, call) = abiStart(descriptor, instance, json: abiChatJSON("stall"), box: box)
            #expect(await box.firstDelta.wait() != nil)
            descriptor.pointee.chat_cancel!(call)
            #expect(await box.terminal.wait() != nil)
            #expect(box.events.all.map(\.0) == [PATCHBAY_EVENT_DELTA, PATCHBAY_EVENT_ERROR])
            #expect(box.events.all.last?.1.contains("\"CANCELLED\"") == true)
            #expect(await closed.first.wait(timeout: .seconds(5)) != nil)
            descriptor.pointee.chat_release!(call)
        }
    }
}
