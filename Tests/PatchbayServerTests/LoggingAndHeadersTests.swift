import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayConfig
import PatchbayTestSupport
import Synchronization
import Testing

@testable import PatchbayServer

/// Collects what a JSONLogHandler writes.
final class JSONLines: Sendable {
    private let store = LineStore()
    let output: JSONLogOutput
    var all: [String] { store.lines }

    init() {
        let store = self.store
        output = JSONLogOutput { line in store.append(line) }
    }

    final class LineStore: Sendable {
        private let state = Mutex<[String]>([])
        func append(_ line: String) { state.withLock { $0.append(line) } }
        var lines: [String] { state.withLock { $0 } }
    }

    func logger(level: Logger.Level = .trace) -> Logger {
        let output = self.output
        return Logger(label: "patchbay") { label in JSONLogHandler(label: label, level: level, output: output) }
    }

    func objects() throws -> [[String: Any]] {
        try all.map { line in
            #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1, "one object per line")
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

@Suite("JSON logs, the access line, and response headers")
struct LoggingAndHeadersTests {
    @Test("one JSON object per line; numbers stay numbers; credentials are redacted whatever their value")
    func jsonLines() throws {
        let lines = JSONLines()
        var logger = lines.logger()
        logger[metadataKey: "request.id"] = "r-1"
        logger.info("hello \"world\"\n", metadata: [
            "http.status": .stringConvertible(200), "authorization": "Bearer sk-abc", "nested": ["api_key": "sk-def", "ok": "yes"],
        ])
        let object = try #require(try lines.objects().first)
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "patchbay")
        #expect(object["message"] as? String == "hello \"world\"\n")
        #expect(object["request.id"] as? String == "r-1")
        #expect(object["http.status"] as? Int == 200)
        #expect(object["authorization"] as? String == "[redacted]")
        #expect((object["nested"] as? [String: Any])?["api_key"] as? String == "[redacted]")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(!lines.all.joined().contains("sk-abc") && !lines.all.joined().contains("sk-def"))
    }

    @Test("the time is UTC with milliseconds, zero-padded; credential names match in any case, anywhere in the key")
    func timestampAndCredentialNames() {
        #expect(JSONLogHandler.timestamp(timespec(tv_sec: 0, tv_nsec: 5_000_000)) == "1970-01-01T00:00:00.005Z")
        #expect(JSONLogHandler.timestamp(timespec(tv_sec: 1_795_353_751, tv_nsec: 999_999_999)) == "2026-11-22T13:22:31.999Z")
        let now = Date()
        let written = JSONLogHandler.timestamp()
        let read = try? Date(written, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
        #expect(read.map { abs($0.timeIntervalSince(now)) < 60 } == true, "\(written)")
        for key in ["Authorization", "X-API-KEY", "upstream.apikey", "db_Password", "client_secret", "Set-Cookie", "api-key"] {
            #expect(JSONLogHandler.isCredential(key), "\(key)")
        }
        for key in ["request.id", "provider", "http.status", "api", "key", "pass", "authorizatio", ""] {
            #expect(!JSONLogHandler.isCredential(key), "\(key)")
        }
    }

    @Test("durations in headers: fixed decimals, rounded half up, in seconds or milliseconds")
    func durationText() {
        #expect(Duration.zero.decimalText(places: 6) == "0.000000")
        #expect(Duration.microseconds(412).decimalText(places: 6) == "0.000412")
        #expect(Duration.nanoseconds(1_500).decimalText(places: 6) == "0.000002")
        #expect(Duration.seconds(3).decimalText(places: 6) == "3.000000")
        #expect(Duration.microseconds(1_234_567).decimalText(per: 1000, places: 3) == "1234.567")
        #expect(Duration.nanoseconds(250_499).decimalText(per: 1000, places: 3) == "0.250")
        #expect(Duration.nanoseconds(250_500).decimalText(per: 1000, places: 3) == "0.251")
        #expect(Duration.nanoseconds(-5).decimalText(per: 1000, places: 3) == "0.000")
    }

    @Test("a stream's access line is written when it ends, with method, path, status, duration, assistant, provider, model, tokens")
    func accessLine() async throws {
        let lines = JSONLines()
        let host = try TestHost(logger: lines.logger())
        try await host.test { client in
            let response = try await client.execute(uri: "/api/chat", method: .post, headers: [.xRequestID: "acc-1"],
                                                    body: ByteBuffer(string: #"{"message":"count these private words please"}"#))
            #expect(response.status == .ok)
        }
        let access = try lines.objects().filter { $0["message"] as? String == "request" }
        #expect(access.count == 1)
        let line = try #require(access.first)
        #expect(line["http.method"] as? String == "POST")
        #expect(line["http.path"] as? String == "/api/chat")
        #expect(line["http.status"] as? Int == 200)
        #expect(line["request.id"] as? String == "acc-1")
        #expect(line["assistant"] as? String == "default")
        #expect(line["provider"] as? String == "echo")
        #expect(line["model"] as? String == "echo-1")
        #expect(line["tokens.output"] as? Int == 5, "tokens are known only at the stream's end")
        #expect(line["outcome"] as? String == "complete")
        #expect((line["duration_ms"] as? Double).map { $0 >= 0 } == true)
        #expect(!lines.all.joined().contains("private words"), "message text is never logged")
    }

    /// Issue 17: what the gateway itself costs, without the provider's time. The `slow` echo
    /// provider waits 20 ms before each word, inside the provider's time: twenty words are at
    /// least 400 ms the header must leave out, whatever the machine's speed.
    @Test("X-Patchbay-Overhead-Ms leaves the provider's time out, on whole replies and streams; histogram and log agree")
    func overheadHeader() async throws {
        let lines = LogRecorder()
        let host = try TestHost(logger: lines.logger())
        let words = (1...20).map { "w\($0)" }.joined(separator: " ")
        try await host.test { client in
            for stream in [false, true] {
                let response = try await client.chat(#"{"message":"\#(words)","assistantType":"slow","stream":\#(stream)}"#)
                #expect(response.status == .ok)
                let processMs = try #require(response.headers[.xProcessTime].flatMap(Double.init)) * 1000
                let overheadMs = try #require(response.headers[.xPatchbayOverheadMs].flatMap(Double.init))
                let providerMs = stream ? 20.0 : 400.0  // the first word's wait, or all twenty
                #expect(overheadMs >= 0)
                #expect(overheadMs <= processMs - providerMs, "overhead \(overheadMs) ms of \(processMs) ms")
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.headers[.xPatchbayOverheadMs].flatMap(Double.init) != nil, "on every response")
        }
        let metrics = String(decoding: host.application.metrics.render(), as: UTF8.self)
        #expect(metrics.contains(#"patchbay_overhead_seconds_count{route="/api/chat"} 2"#))
        #expect(lines.lines.contains { $0.message == "request" && $0.metadata["overhead_ms"] != nil })
    }

    /// ABI 1.4: a plugin that reports its upstream's time has only that left out; one that does
    /// not (1.0–1.3, or a local plugin such as echo) has its whole wait left out, as before.
    @Test("the provider's share of a turn: what the plugin reported (ABI 1.4 TIMING), else the whole wait for the first event")
    func providerShareOfTurn() {
        let reporting = ReplyRecord(keepsText: true)
        #expect(reporting.firstEventArrived(reportedUpstream: .milliseconds(3)) == .milliseconds(3))
        #expect(reporting.providerTimeSinceFirstEvent(reportedUpstream: .milliseconds(10)) == .milliseconds(7),
                "a collected reply's streaming: what the reports grew by")
        #expect(reporting.providerTimeSinceFirstEvent(reportedUpstream: .milliseconds(2)) == .zero, "never negative")

        let silent = ReplyRecord(keepsText: true)
        let beforeArrival = silent.startedAt.duration(to: .now)
        let waited = silent.firstEventArrived(reportedUpstream: nil)
        #expect(waited >= beforeArrival && waited <= silent.startedAt.duration(to: .now))
    }

    @Test("every response carries nosniff, a referrer policy and X-Process-Time; HSTS only when configured, and over TLS")
    func securityHeaders() async throws {
        let host = try TestHost()
        try await host.test { client in
            for uri in ["/health", "/api/nothing"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.referrerPolicy] == "no-referrer")
                #expect(response.headers[.xProcessTime].flatMap(Double.init) != nil)
                #expect(response.headers[.strictTransportSecurity] == nil)
                #expect(response.headers[.contentSecurityPolicy] == nil, "CSP is for HTML")
            }
        }
        // Behind a TLS-terminating proxy: HSTS when a trusted proxy says the client used https.
        let hsts = "max-age=63072000; includeSubDomains"
        let proxied = try TestHost {
            $0.server.strictTransportSecurity = hsts
            $0.server.trustedProxies = [IPNetwork("127.0.0.1/32")!]
        }
        try await proxied.live { port in
            let https = try await LiveHTTP.send(port: port, "GET", "/health", headers: ["X-Forwarded-Proto": "https"])
            #expect(https.head.lowercased().contains("strict-transport-security: \(hsts.lowercased())"))
            let http = try await LiveHTTP.send(port: port, "GET", "/health", headers: ["X-Forwarded-Proto": "http"])
            #expect(!http.head.lowercased().contains("strict-transport-security"))
        }
        // From a peer that is not a trusted proxy, the header is not believed.
        try await TestHost { $0.server.strictTransportSecurity = hsts }.live { port in
            let spoofed = try await LiveHTTP.send(port: port, "GET", "/health", headers: ["X-Forwarded-Proto": "https"])
            #expect(!spoofed.head.lowercased().contains("strict-transport-security"))
        }
    }
}
