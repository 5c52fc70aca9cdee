// The Anthropic Messages wire format, as the fake upstream writes it.
//
// Follows the Anthropic API reference "Messages" (https://docs.anthropic.com/en/api/messages),
// "Streaming Messages" (https://docs.anthropic.com/en/docs/build-with-claude/streaming: the
// event flow message_start, content_block_start, ping, content_block_delta (text_delta)…,
// content_block_stop, message_delta (stop_reason, usage.output_tokens), message_stop, and the
// mid-stream `event: error`) and "Errors" (https://docs.anthropic.com/en/api/errors: the body
// `{"type":"error","error":{"type","message"},"request_id"}`, the `request-id` header, 429
// `rate_limit_error`, 500 `api_error`, 504 `timeout_error`, 529 `overloaded_error`).
// Bytes as the API sends them, as in the recorded stream of anthropic-sdk-python's
// tests/lib/streaming/fixtures/basic_response.txt: compact JSON, except the ping event's
// `{"type": "ping"}`; `message_start` carries `output_tokens: 1`.
// Deterministic where the real API is not: ids and request ids count requests.

import PatchbayJSON

struct AnthropicReply: Sendable {
    var id: String
    var model: String
    var deltas: [String]
    var inputTokens: Int
    var stopReason: String

    var outputTokens: Int { deltas.count }
}

enum AnthropicFormat {
    static func id(requestNumber: Int) -> String { "msg_fake_\(requestNumber)" }

    static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }

    // MARK: Streaming

    static let ping = event("ping", "{\"type\": \"ping\"}")

    static let malformedEvent = event(
        "content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"oops\""
    )

    static let overloadedEvent = event(
        "error",
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"
    )

    static func streamPlan(_ reply: AnthropicReply, scenario: FakeScenario) -> StreamPlan {
        let start = event(
            "message_start",
            "{\"type\":\"message_start\",\"message\":{\"id\":\(JSONText.string(reply.id)),\"type\":\"message\",\"role\":\"assistant\","
                + "\"content\":[],\"model\":\(JSONText.string(reply.model)),\"stop_reason\":null,\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":\(reply.inputTokens),\"output_tokens\":1}}}"
        )
        let blockStart = event(
            "content_block_start",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"
        )
        let tail = [
            event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
            event(
                "message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\(JSONText.string(reply.stopReason)),\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":\(reply.outputTokens)}}"
            ),
            event("message_stop", "{\"type\":\"message_stop\"}"),
        ]
        return StreamPlan.make(
            scenario: scenario,
            deltas: reply.deltas,
            preamble: [start, blockStart, ping],
            delta: { text in
                event(
                    "content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\(JSONText.string(text))}}"
                )
            },
            between: scenario.ping ? ping : nil,
            malformed: malformedEvent,
            errorEvent: overloadedEvent,
            tail: tail
        )
    }

    // MARK: Non-streaming

    static func message(_ reply: AnthropicReply) -> String {
        "{\"id\":\(JSONText.string(reply.id)),\"type\":\"message\",\"role\":\"assistant\","
            + "\"content\":[{\"type\":\"text\",\"text\":\(JSONText.string(reply.deltas.joined()))}],"
            + "\"model\":\(JSONText.string(reply.model)),\"stop_reason\":\(JSONText.string(reply.stopReason)),\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":\(reply.inputTokens),\"output_tokens\":\(reply.outputTokens)}}"
    }

    // MARK: Errors

    static func errorBody(type: String, message: String, requestID: String) -> String {
        "{\"type\":\"error\",\"error\":{\"type\":\(JSONText.string(type)),\"message\":\(JSONText.string(message))},"
            + "\"request_id\":\(JSONText.string(requestID))}"
    }

    /// The error type and message Anthropic sends with `status` (for the `status=` scenario).
    static func statusError(_ status: Int, model: String) -> (type: String, message: String) {
        switch status {
        case 400: return ("invalid_request_error", "Invalid request (fake upstream).")
        case 401: return ("authentication_error", "invalid x-api-key")
        case 402: return ("billing_error", "Your credit balance is too low to access the Anthropic API.")
        case 403: return ("permission_error", "Your API key does not have permission to use the specified resource.")
        case 404: return ("not_found_error", "model: \(model)")
        case 413: return ("request_too_large", "Request exceeds the maximum allowed number of bytes.")
        case 429:
            return (
                "rate_limit_error",
                "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later."
            )
        case 504: return ("timeout_error", "Request timed out.")
        case 529: return ("overloaded_error", "Overloaded")
        case 400..<500: return ("invalid_request_error", "Request failed with status \(status) (fake upstream).")
        default: return ("api_error", "Internal server error")
        }
    }
}
