// The OpenAI Responses wire format, as the fake upstream writes it.
//
// Follows the OpenAI API reference, "Create a model response" (`POST /v1/responses`), "The
// response object" and "Streaming events": a stream is named SSE events (`event: <type>` then
// `data: {"type":<type>,"sequence_number":N,…}`) with no `[DONE]` sentinel, from
// `response.created` and `response.in_progress` through `response.output_item.added`,
// `response.content_part.added`, one `response.output_text.delta` per delta,
// `response.output_text.done`, `response.content_part.done`, `response.output_item.done`, to
// `response.completed` (or `response.incomplete`, when `max_output_tokens` cut the reply) whose
// response carries `usage` {input_tokens, output_tokens, total_tokens, *_details}. A mid-stream
// failure is `event: error` `{"type":"error","sequence_number":N,"error":{code,message,param}}`
// then `response.failed`. Error bodies are Chat Completions' `{"error":{message,type,param,code}}`
// (four-space pretty-printed); an unknown `previous_response_id` is a 400
// `previous_response_not_found`. Field order is that of recorded api.openai.com streams; a whole
// (non-streamed) response is pretty-printed with two spaces. Deterministic where the API is
// not: `created_at` is fixed, ids count requests.

import PatchbayJSON

/// One reply of the Responses API, whatever its form.
struct ResponsesReply: Sendable {
    var id: String
    var messageID: String
    var model: String
    var deltas: [String]
    var inputTokens: Int
    /// The request's echoed settings.
    var instructions: String?
    var previousResponseID: String?
    var maxOutputTokens: Int?
    var store: Bool
    var temperature: Double?
    var topP: Double?
    /// True when `max_output_tokens` cut the reply short: `incomplete`, not `completed`.
    var truncated: Bool

    var outputTokens: Int { deltas.count }
    var text: String { deltas.joined() }
}

enum ResponsesFormat {
    static let createdAt = 1_700_000_000

    static func id(requestNumber: Int) -> String { "resp_fake_\(requestNumber)" }
    static func messageID(requestNumber: Int) -> String { "msg_fake_\(requestNumber)" }

    // MARK: The response object

    /// The response object, compact, as it appears inside stream events.
    static func responseObject(_ reply: ResponsesReply, status: String, output: String, usage: String?, error: String = "null") -> String {
        var json = "{\"id\":\(JSONText.string(reply.id)),\"object\":\"response\",\"created_at\":\(createdAt),"
        json += "\"status\":\(JSONText.string(status)),\"background\":false,\"error\":\(error),"
        json += "\"incomplete_details\":\(status == "incomplete" ? "{\"reason\":\"max_output_tokens\"}" : "null"),"
        json += "\"instructions\":\(JSONText.stringOrNull(reply.instructions)),"
        json += "\"max_output_tokens\":\(reply.maxOutputTokens.map(String.init) ?? "null"),\"max_tool_calls\":null,"
        json += "\"model\":\(JSONText.string(reply.model)),\"output\":\(output),\"parallel_tool_calls\":true,"
        json += "\"previous_response_id\":\(JSONText.stringOrNull(reply.previousResponseID)),"
        json += "\"reasoning\":{\"effort\":null,\"summary\":null},\"service_tier\":\"default\",\"store\":\(reply.store),"
        json += "\"temperature\":\(JSONText.number(reply.temperature ?? 1.0)),\"text\":{\"format\":{\"type\":\"text\"}},"
        json += "\"tool_choice\":\"auto\",\"tools\":[],\"top_logprobs\":0,\"top_p\":\(JSONText.number(reply.topP ?? 1.0)),"
        json += "\"truncation\":\"disabled\",\"usage\":\(usage ?? "null"),\"user\":null,\"metadata\":{}}"
        return json
    }

    static func usageJSON(_ reply: ResponsesReply) -> String {
        "{\"input_tokens\":\(reply.inputTokens),\"input_tokens_details\":{\"cached_tokens\":0},"
            + "\"output_tokens\":\(reply.outputTokens),\"output_tokens_details\":{\"reasoning_tokens\":0},"
            + "\"total_tokens\":\(reply.inputTokens + reply.outputTokens)}"
    }

    static func textPart(_ text: String) -> String {
        "{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\(JSONText.string(text))}"
    }

    static func messageItem(_ reply: ResponsesReply, status: String, content: String) -> String {
        "{\"id\":\(JSONText.string(reply.messageID)),\"type\":\"message\",\"status\":\(JSONText.string(status)),\"content\":\(content),\"role\":\"assistant\"}"
    }

    // MARK: Streaming

    static func event(_ type: String, sequence: Int, _ members: String) -> String {
        "event: \(type)\ndata: {\"type\":\(JSONText.string(type)),\"sequence_number\":\(sequence),\(members)}\n\n"
    }

    /// The broken event `malformed` inserts: a delta whose JSON stops short.
    static let malformedEvent = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"oops\"\n\n"

    static func streamPlan(_ reply: ResponsesReply, scenario: FakeScenario) -> StreamPlan {
        let empty = "[]"
        let preamble = [
            event("response.created", sequence: 0, "\"response\":" + responseObject(reply, status: "in_progress", output: empty, usage: nil)),
            event("response.in_progress", sequence: 1, "\"response\":" + responseObject(reply, status: "in_progress", output: empty, usage: nil)),
            event("response.output_item.added", sequence: 2,
                  "\"output_index\":0,\"item\":" + messageItem(reply, status: "in_progress", content: empty)),
            event("response.content_part.added", sequence: 3,
                  "\"item_id\":\(JSONText.string(reply.messageID)),\"output_index\":0,\"content_index\":0,\"part\":" + textPart("")),
        ]
        var sequence = preamble.count
        let itemID = JSONText.string(reply.messageID)
        // After the first delta: the error event, then the failed response.
        let failedResponse = responseObject(reply, status: "failed", output: empty, usage: nil,
                                            error: "{\"code\":\"server_error\",\"message\":\"The server had an error while processing your request. Sorry about that!\"}")
        let errorEvent = event("error", sequence: preamble.count + 1,
                               "\"error\":{\"code\":\"server_error\",\"message\":\"The server had an error while processing your request. Sorry about that!\",\"param\":null}")
            + event("response.failed", sequence: preamble.count + 2, "\"response\":" + failedResponse)

        var tail: [String] = []
        let last = preamble.count + reply.deltas.count
        let text = JSONText.string(reply.text)
        let status = reply.truncated ? "incomplete" : "completed"
        let part = textPart(reply.text)
        let item = messageItem(reply, status: status, content: "[\(part)]")
        tail.append(event("response.output_text.done", sequence: last,
                          "\"item_id\":\(itemID),\"output_index\":0,\"content_index\":0,\"text\":\(text),\"logprobs\":[]"))
        tail.append(event("response.content_part.done", sequence: last + 1,
                          "\"item_id\":\(itemID),\"output_index\":0,\"content_index\":0,\"part\":" + part))
        tail.append(event("response.output_item.done", sequence: last + 2, "\"output_index\":0,\"item\":" + item))
        tail.append(event("response.\(status)", sequence: last + 3,
                          "\"response\":" + responseObject(reply, status: status, output: "[\(item)]", usage: usageJSON(reply))))
        return StreamPlan.make(
            scenario: scenario,
            deltas: reply.deltas,
            preamble: preamble,
            delta: { delta in
                defer { sequence += 1 }
                return event("response.output_text.delta", sequence: sequence,
                             "\"item_id\":\(itemID),\"output_index\":0,\"content_index\":0,\"delta\":\(JSONText.string(delta)),\"logprobs\":[]")
            },
            between: nil,
            malformed: malformedEvent,
            errorEvent: errorEvent,
            tail: tail
        )
    }

    // MARK: Non-streaming

    /// The whole response object, pretty-printed with two spaces and a final newline.
    static func response(_ reply: ResponsesReply) -> String {
        let status = reply.truncated ? "incomplete" : "completed"
        return """
            {
              "id": \(JSONText.string(reply.id)),
              "object": "response",
              "created_at": \(createdAt),
              "status": \(JSONText.string(status)),
              "background": false,
              "error": null,
              "incomplete_details": \(reply.truncated ? "{\n    \"reason\": \"max_output_tokens\"\n  }" : "null"),
              "instructions": \(JSONText.stringOrNull(reply.instructions)),
              "max_output_tokens": \(reply.maxOutputTokens.map(String.init) ?? "null"),
              "max_tool_calls": null,
              "model": \(JSONText.string(reply.model)),
              "output": [
                {
                  "id": \(JSONText.string(reply.messageID)),
                  "type": "message",
                  "status": \(JSONText.string(status)),
                  "content": [
                    {
                      "type": "output_text",
                      "annotations": [],
                      "logprobs": [],
                      "text": \(JSONText.string(reply.text))
                    }
                  ],
                  "role": "assistant"
                }
              ],
              "parallel_tool_calls": true,
              "previous_response_id": \(JSONText.stringOrNull(reply.previousResponseID)),
              "reasoning": {
                "effort": null,
                "summary": null
              },
              "service_tier": "default",
              "store": \(reply.store),
              "temperature": \(JSONText.number(reply.temperature ?? 1.0)),
              "text": {
                "format": {
                  "type": "text"
                }
              },
              "tool_choice": "auto",
              "tools": [],
              "top_logprobs": 0,
              "top_p": \(JSONText.number(reply.topP ?? 1.0)),
              "truncation": "disabled",
              "usage": {
                "input_tokens": \(reply.inputTokens),
                "input_tokens_details": {
                  "cached_tokens": 0
                },
                "output_tokens": \(reply.outputTokens),
                "output_tokens_details": {
                  "reasoning_tokens": 0
                },
                "total_tokens": \(reply.inputTokens + reply.outputTokens)
              },
              "user": null,
              "metadata": {}
            }

            """
    }

    // MARK: Errors

    /// OpenAI's answer to a `previous_response_id` it does not hold (never issued, or not stored).
    static func previousResponseNotFound(_ id: String) -> String {
        OpenAIFormat.errorBody(message: "Previous response with id '\(id)' not found.", type: "invalid_request_error",
                               param: "previous_response_id", code: "previous_response_not_found")
    }
}
