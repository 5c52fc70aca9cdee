import FakeUpstream
import Foundation
import NIOCore
import Testing

private func responsesBody(stream: Bool, previous: String? = nil, store: Bool? = nil, maxOutputTokens: Int? = nil) -> String {
    var body = #"{"model":"gpt-4o-mini","instructions":"Be brief","input":[{"role":"user","content":"Say hi please"}]"#
    if stream { body += #","stream":true"# }
    if let previous { body += #","previous_response_id":"\#(previous)""# }
    if let store { body += #","store":\#(store)"# }
    if let maxOutputTokens { body += #","max_output_tokens":\#(maxOutputTokens)"# }
    return body + "}"
}

private func responses(_ port: Int, scenario: String? = nil, body: String) async throws -> RawResponse {
    var headers = [("Authorization", "Bearer sk-test-key"), ("Content-Type", "application/json")]
    if let scenario { headers.append(("X-Fake-Scenario", scenario)) }
    return try await RawHTTP.send(port: port, path: "/v1/responses", headers: headers, body: body)
}

/// The `data:` objects of a Responses stream, with the `event:` name each came under.
private func events(_ response: RawResponse) throws -> [(name: String, data: [String: Any])] {
    try response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
        let lines = block.components(separatedBy: "\n")
        #expect(lines.count == 2)
        let name = String(try #require(lines.first).dropFirst("event: ".count))
        let data = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].dropFirst("data: ".count).utf8)) as? [String: Any])
        return (name, data)
    }
}

@Suite("Fake upstream: the OpenAI Responses API", .timeLimit(.minutes(2)))
struct ResponsesFormatTests {
    @Test("a stream: named events in order, numbered, the text in deltas, usage and the id in response.completed")
    func streamEvents() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await responses(port, scenario: "text=Hi there", body: responsesBody(stream: true))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/event-stream; charset=utf-8")
            #expect(response.complete)
            let stream = try events(response)
            #expect(stream.map(\.name) == [
                "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed",
            ])
            #expect(stream.allSatisfy { $0.data["type"] as? String == $0.name })
            #expect(stream.map { $0.data["sequence_number"] as? Int } == Array(0..<10))
            #expect(stream.filter { $0.name == "response.output_text.delta" }.compactMap { $0.data["delta"] as? String } == ["Hi", " there"])
            #expect(response.text.contains(#"event: response.output_text.delta"# + "\n" + #"data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_fake_1","output_index":0,"content_index":0,"delta":"Hi","logprobs":[]}"#))
            let completed = try #require(stream.last?.data["response"] as? [String: Any])
            #expect(completed["id"] as? String == "resp_fake_1")
            #expect(completed["status"] as? String == "completed")
            #expect(completed["instructions"] as? String == "Be brief")
            #expect(completed["store"] as? Bool == true)
            let usage = try #require(completed["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 5 && usage["output_tokens"] as? Int == 2 && usage["total_tokens"] as? Int == 7)
            // One write (one HTTP chunk) per event, and no [DONE].
            #expect(response.chunks.count == 10)
            #expect(!response.text.contains("[DONE]"))
        }
    }

    @Test("a whole response: the response object, its message's output_text, usage; max_output_tokens makes it incomplete")
    func wholeResponse() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await responses(port, scenario: "text=Hi there you", body: responsesBody(stream: false, maxOutputTokens: 2))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(response.text.hasPrefix("{\n  \"id\": \"resp_fake_1\",\n  \"object\": \"response\",\n"))
            let object = try #require(response.json)
            #expect(object["status"] as? String == "incomplete")
            #expect((object["incomplete_details"] as? [String: Any])?["reason"] as? String == "max_output_tokens")
            let message = try #require((object["output"] as? [[String: Any]])?.first)
            #expect(message["type"] as? String == "message" && message["role"] as? String == "assistant")
            #expect((message["content"] as? [[String: Any]])?.first?["text"] as? String == "Hi there")
            #expect((object["usage"] as? [String: Any])?["output_tokens"] as? Int == 2)
        }
    }

    @Test("previous_response_id: one it issued is accepted; one it never issued (or did not store) is OpenAI's 400")
    func previousResponseIDs() async throws {
        try await FakeUpstream.withRunning { _, port in
            #expect(try await responses(port, body: responsesBody(stream: false)).status == 200)  // resp_fake_1, stored
            #expect(try await responses(port, body: responsesBody(stream: false, store: false)).status == 200)  // resp_fake_2, not stored
            let continued = try await responses(port, body: responsesBody(stream: false, previous: "resp_fake_1"))
            #expect(continued.status == 200)
            #expect(continued.json?["previous_response_id"] as? String == "resp_fake_1")
            for unknown in ["resp_fake_2", "resp_never"] {
                let refused = try await responses(port, body: responsesBody(stream: true, previous: unknown))
                #expect(refused.status == 400)
                let error = try #require(refused.json?["error"] as? [String: Any])
                #expect(error["code"] as? String == "previous_response_not_found")
                #expect(error["param"] as? String == "previous_response_id")
                #expect(error["message"] as? String == "Previous response with id '\(unknown)' not found.")
            }
        }
    }

    @Test("error_event: an error event, then response.failed; reply=json answers a stream request whole; faults as for the others")
    func faults() async throws {
        try await FakeUpstream.withRunning { _, port in
            let failing = try events(try await responses(port, scenario: "error_event", body: responsesBody(stream: true)))
            #expect(failing.suffix(2).map(\.name) == ["error", "response.failed"])
            #expect((failing.suffix(2).first?.data["error"] as? [String: Any])?["code"] as? String == "server_error")

            let whole = try await responses(port, scenario: "reply=json", body: responsesBody(stream: true))
            #expect(whole.header("content-type") == "application/json")
            #expect(whole.json?["object"] as? String == "response")

            let limited = try await responses(port, scenario: "status=429,retry_after=2", body: responsesBody(stream: true))
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == "2")
            #expect(try await responses(port, body: #"{"model":"m"}"#).status == 400)
        }
    }
}
