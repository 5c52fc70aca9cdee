import FakeUpstream
import Foundation
import NIOCore
import Testing

private let geminiKey = ("x-goog-api-key", "gm-test-key")
private let json = ("Content-Type", "application/json")

private func generateBody(maxOutputTokens: Int? = nil, role: String = "user") -> String {
    var body = #"{"systemInstruction":{"parts":[{"text":"Be brief"}]},"contents":[{"role":"\#(role)","parts":[{"text":"Say hi please"}]}]"#
    if let maxOutputTokens { body += #","generationConfig":{"maxOutputTokens":\#(maxOutputTokens)}"# }
    return body + "}"
}

private func gemini(
    _ port: Int, model: String = "gemini-2.5-flash", stream: Bool, scenario: String? = nil,
    headers: [(String, String)] = [geminiKey], body: String = generateBody()
) async throws -> RawResponse {
    var all = headers + [json]
    if let scenario { all.append(("X-Fake-Scenario", scenario)) }
    let path = "/v1beta/models/\(model):" + (stream ? "streamGenerateContent?alt=sse" : "generateContent")
    return try await RawHTTP.send(port: port, path: path, headers: all, body: body)
}

/// The events of a Gemini stream: its `data:` payloads, split at the API's CRLF blank lines.
private func payloads(_ response: RawResponse) -> [String] {
    response.text.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
}

@Suite("Fake upstream: the Gemini API", .timeLimit(.minutes(2)))
struct GeminiFakeUpstreamTests {
    @Test("a stream, byte for byte: CRLF-framed events in Google's JSON style, the usage in each")
    func streamBytes() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let response = try await gemini(port, stream: true, scenario: "text=Hi there")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/event-stream")
            #expect(response.header("content-disposition") == "attachment")
            #expect(response.complete)
            func usage(_ candidates: Int) -> String {
                #""usageMetadata": {"promptTokenCount": 5,"candidatesTokenCount": \#(candidates),"totalTokenCount": \#(5 + candidates),"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}]},"modelVersion": "gemini-2.5-flash","responseId": "fake-response-1"}"#
            }
            let expected =
                #"data: {"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0}],"# + usage(1) + "\r\n\r\n"
                + #"data: {"candidates": [{"content": {"parts": [{"text": " there"}],"role": "model"},"index": 0}],"# + usage(2) + "\r\n\r\n"
                + #"data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"# + usage(2) + "\r\n\r\n"
            #expect(response.text == expected)
            #expect(response.chunks.count == 3, "one write per event")
            let request = try #require(upstream.requests.first)
            #expect(request.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
            #expect(request.query == "alt=sse")
        }
    }

    @Test("a whole reply, pretty-printed; maxOutputTokens cuts it with MAX_TOKENS")
    func wholeReply() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await gemini(port, stream: false)
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json; charset=UTF-8")
            #expect(response.text.hasPrefix("{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          {\n            \"text\": \"Hello from the fake upstream.\"\n"))
            #expect(response.text.hasSuffix("  \"modelVersion\": \"gemini-2.5-flash\",\n  \"responseId\": \"fake-response-1\"\n}\n"))
            let candidate = try #require((response.json?["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "STOP")
            let usage = try #require(response.json?["usageMetadata"] as? [String: Any])
            #expect(usage["promptTokenCount"] as? Int == 5)
            #expect(usage["candidatesTokenCount"] as? Int == 5)

            let cut = try await gemini(port, stream: true, body: generateBody(maxOutputTokens: 2))
            let last = try #require(payloads(cut).last)
            #expect(last.contains(#""finishReason": "MAX_TOKENS""#))
            #expect(last.contains(#""candidatesTokenCount": 2,"#))
        }
    }

    @Test("no key, a bad role, no contents, an unknown method: Google's error bodies")
    func validationErrors() async throws {
        try await FakeUpstream.withRunning { _, port in
            let noKey = try await gemini(port, stream: false, headers: [])
            #expect(noKey.status == 403)
            #expect((noKey.json?["error"] as? [String: Any])?["status"] as? String == "PERMISSION_DENIED")
            #expect(noKey.text.hasPrefix("{\n  \"error\": {\n    \"code\": 403,\n    \"message\": \"Method doesn't allow unregistered callers"))

            let badRole = try await gemini(port, stream: false, body: generateBody(role: "assistant"))
            #expect(badRole.status == 400)
            #expect((badRole.json?["error"] as? [String: Any])?["message"] as? String == "Please use a valid role: user, model.")

            let noContents = try await gemini(port, stream: false, body: "{}")
            #expect(noContents.status == 400)
            #expect((noContents.json?["error"] as? [String: Any])?["status"] as? String == "INVALID_ARGUMENT")

            let unknown = try await RawHTTP.send(port: port, path: "/v1beta/models/gemini-2.5-flash:countTokens", headers: [geminiKey, json], body: "{}")
            #expect(unknown.status == 404)

            let jsonArrayStream = try await RawHTTP.send(
                port: port, path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent", headers: [geminiKey, json], body: generateBody())
            #expect(jsonArrayStream.status == 400, "only alt=sse streams are faked")
        }
    }

    @Test("status faults carry Google's status names, and Retry-After when asked", arguments: [
        (429, "RESOURCE_EXHAUSTED"), (503, "UNAVAILABLE"), (500, "INTERNAL"), (400, "INVALID_ARGUMENT"), (403, "PERMISSION_DENIED"), (404, "NOT_FOUND"),
    ])
    func statusFaults(status: Int, name: String) async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await gemini(port, stream: true, scenario: "status=\(status),retry_after=2")
            #expect(response.status == status)
            #expect(response.header("retry-after") == "2")
            let error = try #require(response.json?["error"] as? [String: Any])
            #expect(error["code"] as? Int == status)
            #expect(error["status"] as? String == name)
        }
    }

    @Test("the scenario also comes from a fake: model in the path, and fail_key reads x-goog-api-key")
    func scenarioFromModelAndKey() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let response = try await gemini(port, model: "fake:deltas=2,status=503,fail_first=1", stream: false)
            #expect(response.status == 503)
            let retry = try await gemini(port, model: "fake:deltas=2,status=503,fail_first=1", stream: false)
            #expect(retry.status == 200)
            #expect((retry.json?["usageMetadata"] as? [String: Any])?["candidatesTokenCount"] as? Int == 2)
            #expect(upstream.requests.last?.path == "/v1beta/models/fake:deltas=2,status=503,fail_first=1:generateContent")

            let otherKey = try await gemini(port, stream: false, scenario: "fail_key=gm-other")
            #expect(otherKey.status == 200)
            let thatKey = try await gemini(port, stream: false, scenario: "fail_key=gm-test-key")
            #expect(thatKey.status == 500)
        }
    }

    @Test("error_event: after the first delta, the error body itself, bare, and the response ends")
    func midStreamError() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await gemini(port, stream: true, scenario: "error_event")
            #expect(response.complete)
            #expect(payloads(response).count == 1)
            #expect(response.text.hasSuffix(
                "\r\n\r\n{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n"))
            #expect(!response.text.contains("finishReason"))
        }
    }

    @Test("malformed, split, drop_after and reply=json|stream|html, as for the other formats")
    func otherFaults() async throws {
        try await FakeUpstream.withRunning { _, port in
            let malformed = try await gemini(port, stream: true, scenario: "malformed")
            #expect(malformed.text.contains("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"oops\"\r\n\r\n"))
            #expect(malformed.text.contains(#""finishReason": "STOP""#))

            let split = try await gemini(port, stream: true, scenario: "split")
            #expect(split.complete)
            #expect(split.chunks.contains { String(validating: $0, as: UTF8.self) == nil })
            #expect(payloads(split).count == 8, "seven words and the finish")

            let dropped = try await gemini(port, stream: true, scenario: "drop_after=2")
            #expect(!dropped.complete)
            #expect(payloads(dropped).count == 2)

            let whole = try await gemini(port, stream: true, scenario: "reply=json")
            #expect(whole.header("content-type") == "application/json; charset=UTF-8")
            #expect(whole.json?["candidates"] != nil)
            let streamed = try await gemini(port, stream: false, scenario: "reply=stream")
            #expect(streamed.header("content-type") == "text/event-stream")
            #expect(payloads(streamed).last?.contains(#""finishReason": "STOP""#) == true)
            let portal = try await gemini(port, stream: true, scenario: "reply=html")
            #expect(portal.header("content-type")?.hasPrefix("text/html") == true)
        }
    }

    @Test("safety: a candidate stopped after the first delta; safety=prompt: the prompt blocked before any")
    func safetyStops() async throws {
        try await FakeUpstream.withRunning { _, port in
            let stopped = try await gemini(port, stream: true, scenario: "safety")
            let events = payloads(stopped)
            #expect(events.count == 2)
            #expect(events[0].contains(#""text": "Hello""#))
            #expect(events[1].hasPrefix(#"{"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [{"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT""#))
            #expect(events[1].contains(#""probability": "HIGH","blocked": true"#))

            let blocked = try await gemini(port, stream: true, scenario: "safety=prompt")
            let only = try #require(payloads(blocked).first)
            #expect(payloads(blocked).count == 1)
            #expect(only.hasPrefix(#"{"promptFeedback": {"blockReason": "SAFETY","#))
            #expect(!only.contains("candidates"))

            let wholeStopped = try await gemini(port, stream: false, scenario: "safety")
            let candidate = try #require((wholeStopped.json?["candidates"] as? [[String: Any]])?.first)
            #expect(candidate["finishReason"] as? String == "SAFETY")
            #expect(candidate["content"] == nil)
            let wholeBlocked = try await gemini(port, stream: false, scenario: "safety=prompt")
            #expect((wholeBlocked.json?["promptFeedback"] as? [String: Any])?["blockReason"] as? String == "SAFETY")
        }
        #expect(try FakeScenario.parse("safety").safety == .reply)
        #expect(try FakeScenario.parse("safety=prompt,fail_first=1").withoutFaults.safety == nil)
        #expect(throws: FakeScenario.ParseError.self) { try FakeScenario.parse("safety=maybe") }
    }

    @Test("hang: nothing is sent until the client leaves, and the fake sees it leave")
    func hang() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
            let connection = try await RawHTTP.connect(port: port)
            try await connection.executeThenClose { _, outbound in
                try await outbound.write(
                    RawHTTP.requestBytes(
                        method: "POST", path: path + "?alt=sse", port: port,
                        headers: [geminiKey, json, ("X-Fake-Scenario", "hang")], body: generateBody()))
                await upstream.waitUntil { $0.contains(.requestReceived(path: path)) }
            }
            await upstream.waitUntil { $0.contains(.clientDisconnected(path: path)) }
            #expect(upstream.events == [.requestReceived(path: path), .clientDisconnected(path: path)])
        }
    }
}
