import PatchbayPluginKit

/// OpenAI's Responses API on the wire: `POST {base_url}/responses`, bearer auth, `input` items
/// and `instructions`, named SSE events (`response.output_text.delta` … `response.completed`)
/// or a whole response object, and error bodies `{"error":{"message","type","param","code"}}`.
struct ResponsesWireFormat: ChatWireFormat {
    let upstream: UpstreamSettings
    let organization: String?
    let project: String?
    /// Whether OpenAI keeps each response (`store`), so that the next turn can continue from it.
    let store: Bool

    init(_ settings: PluginSettings) throws {
        try UpstreamSettings.refuseUnknownKeys(settings, known: OpenAIResponsesPlugin.knownKeys)
        upstream = try UpstreamSettings(settings, defaultBaseURL: "https://api.openai.com/v1")
        organization = try settings.string("organization")
        project = try settings.string("project")
        store = try settings.bool("store") ?? true
    }

    /// The request's messages OpenAI does not have when it continues from `previous_response_id`:
    /// those after the last assistant message (the new user message).
    static func unsent(_ messages: [ChatCallRequest.Message]) -> ArraySlice<ChatCallRequest.Message> {
        guard let last = messages.lastIndex(where: { $0.role == "assistant" }) else { return messages[...] }
        return messages[(last + 1)...]
    }

    /// The state to continue from: the request's, when responses are stored.
    func previousResponseID(of request: ChatCallRequest) -> String? {
        store ? request.state.flatMap { $0.isEmpty ? nil : $0 } : nil
    }

    func makeRequest(for request: ChatCallRequest) throws -> HTTPRequest {
        let previous = previousResponseID(of: request)
        let messages = previous == nil ? request.messages[...] : Self.unsent(request.messages)
        // Written straight as text, members in sorted order (no Foundation JSON per turn).
        var json = #"{"input":["#
        json += messages.map { JSONText.chatMessage(role: $0.role, content: $0.content) }
            .joined(separator: ",")
        json += "]"
        // Instructions are not carried over from a previous response: sent every turn.
        if let system = request.system, !system.isEmpty { json += #","instructions":"# + JSONText.string(system) }
        if let maxTokens = request.maxTokens { json += #","max_output_tokens":\#(maxTokens)"# }
        json += #","model":"# + JSONText.string(request.model)
        if let previous { json += #","previous_response_id":"# + JSONText.string(previous) }
        json += #","store":\#(store),"stream":\#(request.stream)"#
        if let temperature = request.temperature { json += #","temperature":"# + JSONText.number(temperature) }
        if let topP = request.topP { json += #","top_p":"# + JSONText.number(topP) }
        json += "}"
        // The Responses API has no stop sequences: `request.stop` cannot be honoured.

        var headers: HTTPHeaders = [
            "Authorization": "Bearer \(upstream.apiKey)",
            "Content-Type": "application/json",
            "Accept": request.stream ? "text/event-stream" : "application/json",
        ]
        if let organization { headers.add(name: "OpenAI-Organization", value: organization) }
        if let project { headers.add(name: "OpenAI-Project", value: project) }
        return HTTPRequest(
            method: "POST", url: upstream.baseURL + "/responses", headers: headers,
            body: Array(json.utf8)
        )
    }

    func makeDecoder(for request: ChatCallRequest) -> ResponsesReplyDecoder { ResponsesReplyDecoder(keepsState: store) }

    func errorDescription(status: Int, body: [UInt8]) -> String {
        OpenAIErrorBody.describe("OpenAI", status: status, body: body)
    }
}

/// Reads the Responses API's stream events, or a whole response object.
final class ResponsesReplyDecoder: ChatReplyDecoder {
    /// Whether the response id becomes the DONE's state (only a stored response can be continued).
    private let keepsState: Bool

    init(keepsState: Bool) {
        self.keepsState = keepsState
    }

    func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep {
        guard let object = try? JSONValue.parse(event.data), object.object != nil else {
            return .failed(ChatError(code: .providerError, message: "OpenAI sent a malformed stream event"))
        }
        // The JSON's own `type`; the SSE `event:` name when a compatible server leaves it out.
        switch object["type"]?.string ?? event.type {
        case "response.output_text.delta":
            if let delta = object["delta"]?.string { sink.delta(delta) }
            return .more
        case "response.completed", "response.incomplete", "response.failed":
            guard let response = object["response"], response.object != nil else {
                return .failed(ChatError(code: .providerError, message: "OpenAI sent a terminal event without its response"))
            }
            return finish(response, into: sink)
        case "error":
            // Newer streams nest the error; older ones put code and message at the top.
            let error = object["error"].flatMap { $0.object != nil ? $0 : nil } ?? object
            return .failed(ChatError(code: .providerError, message: "OpenAI stream error: \(Self.describe(error))"))
        default:
            return .more
        }
    }

    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep {
        .more  // a stream ends with response.completed, .incomplete or .failed: anything else was cut short
    }

    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        guard let response = try? JSONValue.parse(body), response["status"]?.string != nil else {
            return .failed(ChatError(code: .providerError, message: "OpenAI sent a reply that is not a response object"))
        }
        let text = (response["output"]?.array ?? [])
            .filter { $0["type"]?.string == "message" }
            .flatMap { $0["content"]?.array ?? [] }
            .filter { $0["type"]?.string == "output_text" }
            .compactMap { $0["text"]?.string }
            .joined()
        sink.delta(text)
        return finish(response, into: sink)
    }

    /// Ends the reply from the final response object: its usage, then DONE (with its id as the
    /// state) or the failure.
    private func finish(_ response: JSONValue, into sink: ChatEventSink) -> ChatReplyStep {
        let status = response["status"]?.string
        if status == "failed" {
            return .failed(ChatError(code: .providerError, message: "OpenAI response failed: \(Self.describe(response["error"] ?? .null))"))
        }
        if let usage = response["usage"], let input = usage["input_tokens"]?.int, let output = usage["output_tokens"]?.int {
            sink.usage(inputTokens: input, outputTokens: output)
        }
        var finishReason = "stop"
        if status == "incomplete" {
            let reason = response["incomplete_details"]?["reason"]?.string
            finishReason = reason == "max_output_tokens" ? "length" : reason ?? "length"
        }
        sink.done(finishReason: finishReason, state: keepsState ? response["id"]?.string : nil)
        return .finished
    }

    private static func describe(_ error: JSONValue) -> String {
        let message = error["message"]?.string ?? "(no message)"
        return error["code"]?.string.map { "\(message) (\($0))" } ?? message
    }
}
