// The OpenAI Chat Completions wire format, as the fake upstream writes it.
//
// Follows the OpenAI API reference, "Create chat completion"
// (https://platform.openai.com/docs/api-reference/chat/create), "The chat completion object" and
// "The chat completion chunk object" (`stream_options.include_usage`: every chunk carries
// `"usage":null` and one last chunk has `"choices":[]` and the usage, before `data: [DONE]`).
// Field order and spacing are those of responses recorded from api.openai.com (e.g. the
// `chat.completion.chunk` recording of 2025-10 quoted in public test fixtures):
// - chunks: compact JSON, `data: {…}\n\n`, fields id, object, created, model, service_tier,
//   system_fingerprint, choices, usage (the random `obfuscation` field is left out);
// - `chat.completion` bodies: pretty-printed with two spaces;
// - API error bodies `{"error":{"message","type","param","code"}}`: pretty-printed with four
//   spaces and a final newline; the Cloudflare-edge 502/503/504 bodies are compact
//   `{"error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}}`.
// Deterministic where the real API is not: `created` is fixed, ids count requests.

import PatchbayJSON

struct OpenAIReply: Sendable {
    var id: String
    var model: String
    var deltas: [String]
    var promptTokens: Int
    var finishReason: String
    var includeUsage: Bool

    var completionTokens: Int { deltas.count }
}

enum OpenAIFormat {
    static let created = 1_700_000_000

    static func id(requestNumber: Int) -> String { "chatcmpl-fake-\(requestNumber)" }

    // MARK: Streaming

    static func chunk(_ reply: OpenAIReply, choices: String, usage: String? = nil) -> String {
        var json = "{\"id\":\(JSONText.string(reply.id)),\"object\":\"chat.completion.chunk\",\"created\":\(created),"
        json += "\"model\":\(JSONText.string(reply.model)),\"service_tier\":\"default\",\"system_fingerprint\":null,"
        json += "\"choices\":\(choices)"
        if reply.includeUsage {
            json += ",\"usage\":\(usage ?? "null")"
        }
        json += "}"
        return "data: \(json)\n\n"
    }

    static func usageJSON(_ reply: OpenAIReply) -> String {
        let total = reply.promptTokens + reply.completionTokens
        return "{\"prompt_tokens\":\(reply.promptTokens),\"completion_tokens\":\(reply.completionTokens),\"total_tokens\":\(total),"
            + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}"
    }

    static let done = "data: [DONE]\n\n"

    /// The broken event `malformed` inserts: a chunk whose JSON stops short.
    static let malformedEvent = "data: {\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n"

    /// The error event `error_event` sends mid-stream.
    static let errorEvent =
        "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"

    static func streamPlan(_ reply: OpenAIReply, scenario: FakeScenario) -> StreamPlan {
        let role = chunk(
            reply,
            choices: "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]"
        )
        var tail = [
            chunk(reply, choices: "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\(JSONText.string(reply.finishReason))}]")
        ]
        if reply.includeUsage {
            tail.append(chunk(reply, choices: "[]", usage: usageJSON(reply)))
        }
        tail.append(done)
        return StreamPlan.make(
            scenario: scenario,
            deltas: reply.deltas,
            preamble: [role],
            delta: { text in
                chunk(reply, choices: "[{\"index\":0,\"delta\":{\"content\":\(JSONText.string(text))},\"logprobs\":null,\"finish_reason\":null}]")
            },
            between: nil,
            malformed: malformedEvent,
            errorEvent: errorEvent,
            tail: tail
        )
    }

    // MARK: Non-streaming

    static func completion(_ reply: OpenAIReply) -> String {
        let total = reply.promptTokens + reply.completionTokens
        return """
            {
              "id": \(JSONText.string(reply.id)),
              "object": "chat.completion",
              "created": \(created),
              "model": \(JSONText.string(reply.model)),
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": \(JSONText.string(reply.deltas.joined())),
                    "refusal": null,
                    "annotations": []
                  },
                  "logprobs": null,
                  "finish_reason": \(JSONText.string(reply.finishReason))
                }
              ],
              "usage": {
                "prompt_tokens": \(reply.promptTokens),
                "completion_tokens": \(reply.completionTokens),
                "total_tokens": \(total),
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
    }

    // MARK: Errors

    /// An API error body (four-space pretty-printed, final newline).
    static func errorBody(message: String, type: String, param: String? = nil, code: String?) -> String {
        """
        {
            "error": {
                "message": \(JSONText.string(message)),
                "type": \(JSONText.string(type)),
                "param": \(JSONText.stringOrNull(param)),
                "code": \(JSONText.stringOrNull(code))
            }
        }

        """
    }

    /// A Cloudflare-edge error body (compact, no newline).
    static func edgeErrorBody(status: Int, message: String, type: String) -> String {
        "{\"error\":{\"code\":\(status),\"message\":\(JSONText.string(message)),\"param\":null,\"type\":\(JSONText.string(type))}}"
    }

    static func invalidAPIKey(_ key: String) -> String {
        errorBody(
            message: "Incorrect API key provided: \(mask(key)). You can find your API key at https://platform.openai.com/account/api-keys.",
            type: "invalid_request_error",
            code: "invalid_api_key"
        )
    }

    static let invalidJSON = errorBody(
        message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        type: "invalid_request_error",
        code: nil
    )

    /// The body OpenAI sends with `status` (for the `status=` scenario).
    static func statusBody(_ status: Int, model: String, retryAfter: String?) -> String {
        switch status {
        case 400:
            return errorBody(message: "Invalid request (fake upstream).", type: "invalid_request_error", code: nil)
        case 401:
            return invalidAPIKey("sk-fake")
        case 403:
            return errorBody(
                message: "Country, region, or territory not supported",
                type: "request_forbidden",
                code: "unsupported_country_region_territory"
            )
        case 404:
            return errorBody(
                message: "The model `\(model)` does not exist or you do not have access to it.",
                type: "invalid_request_error",
                code: "model_not_found"
            )
        case 429:
            let wait = retryAfter.map { "\($0)s" } ?? "20s"
            return errorBody(
                message:
                    "Rate limit reached for \(model) in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in \(wait). Visit https://platform.openai.com/account/rate-limits to learn more.",
                type: "requests",
                code: "rate_limit_exceeded"
            )
        case 502:
            return edgeErrorBody(status: 502, message: "Bad gateway.", type: "cf_bad_gateway")
        case 503:
            return edgeErrorBody(status: 503, message: "Service Unavailable.", type: "cf_service_unavailable")
        case 504:
            return edgeErrorBody(status: 504, message: "Gateway timeout.", type: "cf_gateway_timeout")
        case 400..<500:
            return errorBody(message: "Request failed with status \(status) (fake upstream).", type: "invalid_request_error", code: nil)
        default:
            return errorBody(
                message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error",
                code: nil
            )
        }
    }

    /// How OpenAI shows a key in its 401 message: `sk-ab***...***wxyz`.
    static func mask(_ key: String) -> String {
        guard key.count > 8 else { return key }
        return String(key.prefix(4)) + String(repeating: "*", count: key.count - 8) + String(key.suffix(4))
    }
}
