import FakeUpstream
import Foundation
import NIOCore
import Testing

private let openAIAuth = ("Authorization", "Bearer sk-test-key")
private let anthropicAuth = [("x-api-key", "sk-ant-test"), ("anthropic-version", "2023-06-01")]
private let json = ("Content-Type", "application/json")

private func chatBody(model: String = "gpt-4o-mini", stream: Bool, includeUsage: Bool = false) -> String {
    var body = "{\"model\":\"\(model)\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi please\"}]"
    if stream { body += ",\"stream\":true" }
    if includeUsage { body += ",\"stream_options\":{\"include_usage\":true}" }
    return body + "}"
}

private func messagesBody(model: String = "claude-test", stream: Bool, maxTokens: Int? = 100) -> String {
    var body = "{\"model\":\"\(model)\",\"system\":\"Be brief\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi please\"}]"
    if let maxTokens { body += ",\"max_tokens\":\(maxTokens)" }
    if stream { body += ",\"stream\":true" }
    return body + "}"
}

private func openAI(_ port: Int, scenario: String? = nil, headers: [(String, String)] = [], body: String) async throws -> RawResponse {
    var all = [openAIAuth, json] + headers
    if let scenario { all.append(("X-Fake-Scenario", scenario)) }
    return try await RawHTTP.send(port: port, path: "/v1/chat/completions", headers: all, body: body)
}

private func anthropic(_ port: Int, scenario: String? = nil, headers: [(String, String)] = [], body: String) async throws -> RawResponse {
    var all = anthropicAuth + [json] + headers
    if let scenario { all.append(("X-Fake-Scenario", scenario)) }
    return try await RawHTTP.send(port: port, path: "/v1/messages", headers: all, body: body)
}

@Suite("Fake upstream", .timeLimit(.minutes(2)))
struct FakeUpstreamTests {
    // MARK: Exact bytes

    @Test func openAIStreamBytesWithUsage() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await openAI(port, scenario: "text=Hi there", body: chatBody(stream: true, includeUsage: true))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/event-stream; charset=utf-8")
            #expect(response.header("x-request-id") == "req_fake_1")
            #expect(response.header("openai-version") == "2020-10-01")
            #expect(response.complete)
            let common = #"{"id":"chatcmpl-fake-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":null,"#
            let expected =
                "data: " + common + #""choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
                + "data: " + common + #""choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
                + "data: " + common + #""choices":[{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":null}],"usage":null}"# + "\n\n"
                + "data: " + common + #""choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"# + "\n\n"
                + "data: " + common
                + #""choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#
                + "\n\n"
                + "data: [DONE]\n\n"
            #expect(response.text == expected)
            // One write (one HTTP chunk) per event.
            #expect(response.chunks.count == 6)
        }
    }

    @Test func openAIStreamWithoutIncludeUsageHasNoUsageField() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await openAI(port, body: chatBody(stream: true))
            #expect(!response.text.contains("usage"))
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
            let contents = response.text.components(separatedBy: "\n\n").compactMap { event -> String? in
                guard event.hasPrefix("data: {") else { return nil }
                let chunk = try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any]
                let choice = (chunk?["choices"] as? [[String: Any]])?.first
                return (choice?["delta"] as? [String: Any])?["content"] as? String
            }
            #expect(contents == ["", "Hello", " from", " the", " fake", " upstream."])
        }
    }

    @Test func anthropicStreamBytes() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await anthropic(port, scenario: "text=Hi there", body: messagesBody(stream: true))
            #expect(response.status == 200)
            #expect(response.header("request-id") == "req_fake_1")
            #expect(response.header("content-type") == "text/event-stream; charset=utf-8")
            #expect(response.complete)
            let expected = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_fake_1","type":"message","role":"assistant","content":[],"model":"claude-test","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: ping
                data: {"type": "ping"}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}

                event: message_stop
                data: {"type":"message_stop"}


                """
            #expect(response.text == expected)
            #expect(response.chunks.count == 8)
        }
    }

    @Test func nonStreamingBodies() async throws {
        try await FakeUpstream.withRunning { _, port in
            let chat = try await openAI(port, body: chatBody(stream: false))
            #expect(chat.status == 200)
            #expect(chat.header("content-type") == "application/json")
            #expect(
                chat.text == """
                    {
                      "id": "chatcmpl-fake-1",
                      "object": "chat.completion",
                      "created": 1700000000,
                      "model": "gpt-4o-mini",
                      "choices": [
                        {
                          "index": 0,
                          "message": {
                            "role": "assistant",
                            "content": "Hello from the fake upstream.",
                            "refusal": null,
                            "annotations": []
                          },
                          "logprobs": null,
                          "finish_reason": "stop"
                        }
                      ],
                      "usage": {
                        "prompt_tokens": 3,
                        "completion_tokens": 5,
                        "total_tokens": 8,
                        "prompt_tokens_details": {
                          "cached_tokens": 0,
                          "audio_tokens": 0
                        },
                        "completion_tokens_details": {
                          "reasoning_tokens": 0,
                          "audio_tokens": 0,
                          "accepted_prediction_tokens": 0,
                          "rejected_prediction_tokens": 0
                        }
                      },
                      "service_tier": "default",
                      "system_fingerprint": null
                    }

                    """
            )
            let message = try await anthropic(port, body: messagesBody(stream: false))
            #expect(message.status == 200)
            #expect(
                message.text
                    == #"{"id":"msg_fake_2","type":"message","role":"assistant","content":[{"type":"text","text":"Hello from the fake upstream."}],"model":"claude-test","stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":5}}"#
            )
        }
    }

    @Test func maxTokensCutsTheReply() async throws {
        try await FakeUpstream.withRunning { _, port in
            let message = try await anthropic(port, body: messagesBody(stream: false, maxTokens: 2))
            #expect(message.json?["stop_reason"] as? String == "max_tokens")
            let content = (message.json?["content"] as? [[String: Any]])?.first?["text"] as? String
            #expect(content == "Hello from")
        }
    }

    // MARK: Validation errors

    @Test func authenticationAndValidationErrors() async throws {
        try await FakeUpstream.withRunning { _, port in
            let noKey = try await RawHTTP.send(port: port, path: "/v1/chat/completions", headers: [json], body: chatBody(stream: false))
            #expect(noKey.status == 401)
            let error = noKey.json?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "invalid_api_key")
            #expect(error?["type"] as? String == "invalid_request_error")
            #expect(noKey.text.hasPrefix("{\n    \"error\": {\n        \"message\": \"Incorrect API key provided"))

            let noAnthropicKey = try await RawHTTP.send(
                port: port, path: "/v1/messages", headers: [("anthropic-version", "2023-06-01"), json], body: messagesBody(stream: false))
            #expect(noAnthropicKey.status == 401)
            #expect(
                noAnthropicKey.text
                    == #"{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"},"request_id":"req_fake_2"}"#
            )
            #expect(noAnthropicKey.header("request-id") == "req_fake_2")

            let noVersion = try await RawHTTP.send(
                port: port, path: "/v1/messages", headers: [("x-api-key", "k"), json], body: messagesBody(stream: false))
            #expect(noVersion.status == 400)
            #expect((noVersion.json?["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")

            let noMaxTokens = try await anthropic(port, body: messagesBody(stream: false, maxTokens: nil))
            #expect(noMaxTokens.status == 400)
            #expect((noMaxTokens.json?["error"] as? [String: Any])?["message"] as? String == "max_tokens: Field required")

            let badScenario = try await openAI(port, scenario: "nonsense=1", body: chatBody(stream: false))
            #expect(badScenario.status == 400)
        }
    }

    // MARK: Status faults

    @Test func rateLimitedWithRetryAfter() async throws {
        try await FakeUpstream.withRunning { _, port in
            let chat = try await openAI(port, scenario: "status=429,retry_after=7", body: chatBody(stream: true))
            #expect(chat.status == 429)
            #expect(chat.header("retry-after") == "7")
            #expect(chat.header("x-ratelimit-remaining-requests") == "0")
            let error = chat.json?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "rate_limit_exceeded")
            #expect(error?["type"] as? String == "requests")
            #expect((error?["message"] as? String)?.contains("Please try again in 7s.") == true)

            let message = try await anthropic(port, scenario: "status=429,retry_after=3", body: messagesBody(stream: true))
            #expect(message.status == 429)
            #expect(message.header("retry-after") == "3")
            let anthropicError = message.json?["error"] as? [String: Any]
            #expect(message.json?["type"] as? String == "error")
            #expect(anthropicError?["type"] as? String == "rate_limit_error")
        }
    }

    @Test func serverErrorBodies() async throws {
        try await FakeUpstream.withRunning { _, port in
            let overloaded = try await anthropic(port, scenario: "status=529", body: messagesBody(stream: true))
            #expect(overloaded.status == 529)
            #expect(
                overloaded.text
                    == #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_fake_1"}"#
            )
            let badGateway = try await openAI(port, scenario: "status=502", body: chatBody(stream: false))
            #expect(badGateway.status == 502)
            #expect(badGateway.text == #"{"error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}}"#)
            let serverError = try await openAI(port, scenario: "status=500", body: chatBody(stream: false))
            #expect(serverError.status == 500)
            #expect((serverError.json?["error"] as? [String: Any])?["type"] as? String == "server_error")
            let timeout = try await anthropic(port, scenario: "status=504", body: messagesBody(stream: false))
            #expect((timeout.json?["error"] as? [String: Any])?["type"] as? String == "timeout_error")
        }
    }

    @Test func failFirstThenSucceed() async throws {
        try await FakeUpstream.withRunning { _, port in
            var statuses: [Int] = []
            for _ in 0..<3 {
                let response = try await openAI(
                    port, scenario: "fail_first=2,status=503", headers: [("X-Fake-Sequence", "a")], body: chatBody(stream: true))
                statuses.append(response.status)
            }
            #expect(statuses == [503, 503, 200])
            // Another sequence has its own count.
            let other = try await openAI(
                port, scenario: "fail_first=2,status=503", headers: [("X-Fake-Sequence", "b")], body: chatBody(stream: true))
            #expect(other.status == 503)
            // Without the header, the model string is the sequence (and carries the scenario).
            let model = "fake:fail_first=1,status=529"
            let first = try await anthropic(port, body: messagesBody(model: model, stream: false))
            let second = try await anthropic(port, body: messagesBody(model: model, stream: false))
            #expect(first.status == 529)
            #expect(second.status == 200)
            #expect(second.json?["model"] as? String == model)
        }
    }

    @Test("fail_key applies the faults to one API key only; other keys get the plain reply")
    func failOneKey() async throws {
        try await FakeUpstream.withRunning { _, port in
            let scenario = "fail_key=sk-bad,status=429,retry_after=4"
            let bad = try await RawHTTP.send(port: port, path: "/v1/chat/completions", headers: [("Authorization", "Bearer sk-bad"), json, ("X-Fake-Scenario", scenario)],
                                             body: chatBody(stream: false))
            #expect(bad.status == 429)
            #expect(bad.header("retry-after") == "4")
            let good = try await RawHTTP.send(port: port, path: "/v1/chat/completions", headers: [("Authorization", "Bearer sk-good"), json, ("X-Fake-Scenario", scenario)],
                                              body: chatBody(stream: false))
            #expect(good.status == 200)
            // Anthropic's x-api-key is the key too.
            let anthropicBad = try await RawHTTP.send(port: port, path: "/v1/messages", headers: [("x-api-key", "sk-bad"), ("anthropic-version", "2023-06-01"), json],
                                                      body: messagesBody(model: "fake:fail_key=sk-bad,status=529", stream: false))
            #expect(anthropicBad.status == 529)
            // With fail_first, only that key's requests are counted: the first bad-key request after a good one still fails.
            let counted = "fake:fail_key=sk-bad,fail_first=1,status=503"
            let goodFirst = try await openAI(port, body: chatBody(model: counted, stream: false))
            let badFirst = try await RawHTTP.send(port: port, path: "/v1/chat/completions", headers: [("Authorization", "Bearer sk-bad"), json],
                                                  body: chatBody(model: counted, stream: false))
            let badSecond = try await RawHTTP.send(port: port, path: "/v1/chat/completions", headers: [("Authorization", "Bearer sk-bad"), json],
                                                   body: chatBody(model: counted, stream: false))
            let statuses: [Int] = [goodFirst.status, badFirst.status, badSecond.status]
            #expect(statuses == [200, 503, 200])
        }
        #expect(try FakeScenario.parse("fail_key=k").status == 500)
        #expect(try FakeScenario.parse("fail_key=k,status=401").withoutFaults.failKey == nil)
        #expect(throws: FakeScenario.ParseError.self) { try FakeScenario.parse("fail_key") }
    }

    // MARK: Stream faults

    @Test func splitCutsMidLineAndMidCharacter() async throws {
        let text = "text=" + FakeScenario.defaultSplitText.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let unsplit = try await FakeUpstream.withRunning { _, port in
            try await openAI(port, scenario: text, body: chatBody(stream: true, includeUsage: true))
        }
        // `split` alone uses the same text by default.
        let split = try await FakeUpstream.withRunning { _, port in
            try await openAI(port, scenario: "split", body: chatBody(stream: true, includeUsage: true))
        }
        #expect(split.complete)
        #expect(split.body == unsplit.body)
        #expect(split.chunks.count > 50)
        // Some piece ends inside a multi-byte character, so it is not valid UTF-8 on its own.
        #expect(split.chunks.contains { ($0.last ?? 0) >= 0xC0 })
        #expect(split.chunks.contains { String(validating: $0, as: UTF8.self) == nil })
        // Some piece ends mid-line.
        #expect(split.chunks.contains { $0.last != UInt8(ascii: "\n") })
        #expect(unsplit.text.contains(#""content":" 👋""#))
    }

    @Test func dropAfterEndsWithoutDone() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let response = try await openAI(port, scenario: "drop_after=2", body: chatBody(stream: true))
            #expect(response.status == 200)
            #expect(!response.complete)
            #expect(!response.text.contains("[DONE]"))
            #expect(response.text.contains(#""content":" from""#))
            #expect(!response.text.contains(#""content":" the""#))
            let path = "/v1/chat/completions"
            #expect(
                upstream.events == [
                    .requestReceived(path: path), .responseStarted(path: path, status: 200),
                    .deltaSent(path: path, index: 0), .deltaSent(path: path, index: 1),
                ])
        }
    }

    /// Compatible servers answer in a form other than the one asked for (issue 21 §0).
    @Test func replyFormOverridesWhatWasAsked() async throws {
        try await FakeUpstream.withRunning { _, port in
            let openAIWhole = try await openAI(port, scenario: "reply=json", body: chatBody(stream: true))
            #expect(openAIWhole.header("content-type") == "application/json")
            #expect(openAIWhole.text.contains(#""chat.completion""#))
            let anthropicWhole = try await anthropic(port, scenario: "reply=json", body: messagesBody(stream: true))
            #expect(anthropicWhole.header("content-type") == "application/json")
            #expect(anthropicWhole.text.contains(#""stop_reason""#))

            let openAIStream = try await openAI(port, scenario: "reply=stream", body: chatBody(stream: false))
            #expect(openAIStream.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(openAIStream.text.hasSuffix("data: [DONE]\n\n"))
            let anthropicStream = try await anthropic(port, scenario: "reply=stream", body: messagesBody(stream: false))
            #expect(anthropicStream.text.contains("event: message_stop"))

            let portal = try await anthropic(port, scenario: "reply=html", body: messagesBody(stream: true))
            #expect(portal.status == 200)
            #expect(portal.header("content-type")?.hasPrefix("text/html") == true)
        }
        #expect(throws: FakeScenario.ParseError.self) { try FakeScenario.parse("reply=xml") }
    }

    @Test func malformedAndErrorEvents() async throws {
        try await FakeUpstream.withRunning { _, port in
            let malformed = try await openAI(port, scenario: "malformed", body: chatBody(stream: true))
            #expect(malformed.text.contains("data: {\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n"))
            #expect(malformed.text.hasSuffix("data: [DONE]\n\n"))

            let error = try await anthropic(port, scenario: "error_event", body: messagesBody(stream: true))
            #expect(error.complete)
            let expectedTail = """
                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

                event: error
                data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}


                """
            #expect(error.text.hasSuffix(expectedTail))
            #expect(!error.text.contains("message_stop"))
        }
    }

    @Test func pingBetweenDeltas() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await anthropic(port, scenario: "ping,deltas=3", body: messagesBody(stream: true))
            #expect(response.text.components(separatedBy: "event: ping\n").count - 1 == 3)
            #expect(response.text.contains(#""text":"Hello"}}"#))
            #expect(response.text.contains(#""usage":{"output_tokens":3}"#))
        }
    }

    @Test func intervalPacesDeltas() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await openAI(port, scenario: "deltas=4,interval=30", body: chatBody(stream: true))
            #expect(clock.now - start >= .milliseconds(120))
            #expect(response.complete)
            #expect(upstream.events.filter { if case .deltaSent = $0 { true } else { false } }.count == 4)
        }
    }

    // MARK: Disconnects

    @Test func hangThenClientCloseIsSeen() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let path = "/v1/messages"
            let connection = try await RawHTTP.connect(port: port)
            let received = try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(
                    RawHTTP.requestBytes(
                        method: "POST", path: path, port: port,
                        headers: anthropicAuth + [json, ("X-Fake-Scenario", "hang")], body: messagesBody(stream: true)))
                await upstream.waitUntil { $0.contains(.requestReceived(path: path)) }
                return upstream.events
            }
            #expect(received == [.requestReceived(path: path)])
            await upstream.waitUntil { $0.contains(.clientDisconnected(path: path)) }
            #expect(upstream.events == [.requestReceived(path: path), .clientDisconnected(path: path)])
        }
    }

    @Test func stallAfterDeltasThenClientCloseIsSeen() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let path = "/v1/chat/completions"
            let connection = try await RawHTTP.connect(port: port)
            let firstBytes = try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(
                    RawHTTP.requestBytes(
                        method: "POST", path: path, port: port,
                        headers: [openAIAuth, json, ("X-Fake-Scenario", "hang_after=1")], body: chatBody(stream: true)))
                await upstream.waitUntil { $0.contains(.deltaSent(path: path, index: 0)) }
                var iterator = inbound.makeAsyncIterator()
                return try await iterator.next().map { String(buffer: $0) } ?? ""
            }
            #expect(firstBytes.hasPrefix("HTTP/1.1 200 OK"))
            await upstream.waitUntil { $0.contains(.clientDisconnected(path: path)) }
            #expect(!upstream.events.contains(.responseFinished(path: path)))
            #expect(!upstream.events.contains(.deltaSent(path: path, index: 1)))
        }
    }

    // MARK: Recording

    @Test func requestsAreRecorded() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let body = chatBody(stream: false)
            _ = try await openAI(port, headers: [("X-Fake-Sequence", "seq-1")], body: body)
            let health = try await RawHTTP.send(port: port, method: "GET", path: "/health")
            #expect(health.status == 200)
            let requests = upstream.requests
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/chat/completions")
            #expect(request.header("authorization") == "Bearer sk-test-key")
            #expect(request.header("X-FAKE-SEQUENCE") == "seq-1")
            #expect(request.header("host") == "127.0.0.1:\(port)")
            #expect(request.body == Data(body.utf8))
            #expect(request.json?["model"] as? String == "gpt-4o-mini")
            let path = "/v1/chat/completions"
            #expect(
                upstream.events == [
                    .requestReceived(path: path), .responseStarted(path: path, status: 200), .responseFinished(path: path),
                ])
        }
    }

    // MARK: Scenario syntax

    @Test func scenarioParsing() throws {
        let scenario = try FakeScenario.parse("deltas=7,interval=20,split=3,ping,status=429,retry_after=2,fail_first=1")
        #expect(scenario.deltaCount == 7)
        #expect(scenario.intervalMilliseconds == 20)
        #expect(scenario.splitBytes == 3)
        #expect(scenario.ping)
        #expect(scenario.status == 429)
        #expect(scenario.retryAfter == "2")
        #expect(scenario.failFirst == 1)
        #expect(scenario.withoutFaults.status == nil)
        #expect(scenario.deltas == ["Héllo", " wörld", " 👋", " from", " the", " fake", " upstream."])
        #expect(try FakeScenario.parse("deltas=7").deltas == ["Hello", " from", " the", " fake", " upstream.", " Hello", " from"])
        #expect(try FakeScenario.parse("text=a%2Cb c").deltas == ["a,b", " c"])
        #expect(try FakeScenario.parse("fail_first=1").status == 500)
        #expect(throws: FakeScenario.ParseError.self) { try FakeScenario.parse("hang=1") }
        #expect(throws: FakeScenario.ParseError.self) { try FakeScenario.parse("status=200") }
    }
}
