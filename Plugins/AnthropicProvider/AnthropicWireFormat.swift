import PatchbayPluginKit

/// Anthropic's Messages API on the wire: `POST {base_url}/v1/messages` with `x-api-key` and
/// `anthropic-version`; `system` as a top-level field; SSE events `message_start`,
/// `content_block_start`, `ping`, `content_block_delta` (`text_delta`), `content_block_stop`,
/// `message_delta` (usage, stop_reason), `message_stop`, and `error` mid-stream; error bodies
/// `{"type":"error","error":{"type","message"}}`.
struct AnthropicWireFormat: UpstreamWireFormat {
    let upstream: UpstreamSettings
    let version: String
    let defaultMaxTokens: Int

    init(_ settings: PluginSettings) throws {
        try UpstreamSettings.refuseUnknownKeys(settings, known: AnthropicPlugin.knownKeys)
        upstream = try UpstreamSettings(settings, defaultBaseURL: "https://api.anthropic.com")
        version = try settings.string("anthropic_version") ?? "2023-06-01"
        defaultMaxTokens = try settings.int("max_tokens", in: 1...1_000_000) ?? 4096
    }

    func makeRequest(for request: ChatCallRequest) throws -> HTTPRequest {
        // System text goes in the top-level field: the assistant's prompt, then any system
        // messages the client sent. The Messages API takes only user and assistant turns.
        let systemParts = [request.system].compactMap { $0 } + request.messages.filter { $0.role == "system" }.map(\.content)
        var turns: [(role: String, content: String)] = []
        for message in request.messages where message.role != "system" {
            // The API wants turns to alternate: consecutive same-role messages are merged.
            if let last = turns.last, last.role == message.role {
                turns[turns.count - 1].content += "\n\n" + message.content
            } else {
                turns.append((message.role, message.content))
            }
        }
        // Written straight as text, members in sorted order (no Foundation JSON per turn).
        var json = #"{"max_tokens":\#(request.maxTokens ?? defaultMaxTokens),"messages":["#
        json += turns.map { JSONText.chatMessage(role: $0.role, content: $0.content) }
            .joined(separator: ",")
        json += #"],"model":"# + JSONText.string(request.model)
        if let stop = request.stop, !stop.isEmpty { json += #","stop_sequences":"# + JSONText.array(stop) }
        json += request.stream ? #","stream":true"# : #","stream":false"#
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { json += #","system":"# + JSONText.string(system) }
        // Anthropic's range is 0...1.
        if let temperature = request.temperature { json += #","temperature":"# + JSONText.number(min(temperature, 1)) }
        if let topP = request.topP { json += #","top_p":"# + JSONText.number(topP) }
        json += "}"

        let headers: HTTPHeaders = [
            "x-api-key": upstream.apiKey,
            "anthropic-version": version,
            "content-type": "application/json",
            "accept": request.stream ? "text/event-stream" : "application/json",
        ]
        return HTTPRequest(
            method: "POST", url: upstream.baseURL + "/v1/messages", headers: headers,
            body: Array(json.utf8)
        )
    }

    func makeDecoder(for request: ChatCallRequest) -> AnthropicReplyDecoder { AnthropicReplyDecoder() }

    func errorDescription(status: Int, body: [UInt8]) -> String {
        guard let error = (try? JSONValue.parse(body))?["error"], error.object != nil else {
            return "Anthropic answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return "Anthropic answered \(status): \(error["message"]?.string ?? "(no message)") (\(error["type"]?.string ?? "error"))"
    }
}

/// Reads the Messages stream, or a whole message.
final class AnthropicReplyDecoder: ChatReplyDecoder {
    private var inputTokens = 0
    private var outputTokens = 0
    private var stopReason: String?

    func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep {
        guard let object = try? JSONValue.parse(event.data), object.object != nil else {
            return .failed(ChatError(code: .providerError, message: "Anthropic sent a malformed stream event"))
        }
        switch object["type"]?.string ?? event.type {
        case "message_start":
            if let usage = object["message"]?["usage"] {
                inputTokens = usage["input_tokens"]?.int ?? inputTokens
                outputTokens = usage["output_tokens"]?.int ?? outputTokens
            }
        case "content_block_delta":
            if let delta = object["delta"], delta["type"]?.string == "text_delta", let text = delta["text"]?.string {
                sink.delta(text)
            }
        case "message_delta":
            if let usage = object["usage"] { outputTokens = usage["output_tokens"]?.int ?? outputTokens }
            if let reason = object["delta"]?["stop_reason"]?.string { stopReason = reason }
        case "message_stop":
            sink.usage(inputTokens: inputTokens, outputTokens: outputTokens)
            sink.done(finishReason: stopReason)
            return .finished
        case "error":
            let error = object["error"]
            let type = error?["type"]?.string ?? "error"
            let message = "Anthropic stream error: \(error?["message"]?.string ?? "(no message)") (\(type))"
            let overloaded = type == "overloaded_error" || type == "rate_limit_error"
            return .failed(ChatError(code: overloaded ? .providerUnavailable : .providerError, message: message, retryable: overloaded))
        default:
            break  // ping, content_block_start/stop, and types added later
        }
        return .more
    }

    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep { .more }

    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        guard let message = try? JSONValue.parse(body), let content = message["content"]?.array else {
            return .failed(ChatError(code: .providerError, message: "Anthropic sent a reply without content"))
        }
        let text = content.filter { $0["type"]?.string == "text" }.compactMap { $0["text"]?.string }.joined()
        if !text.isEmpty { sink.delta(text) }
        if let usage = message["usage"], let input = usage["input_tokens"]?.int, let output = usage["output_tokens"]?.int {
            sink.usage(inputTokens: input, outputTokens: output)
        }
        sink.done(finishReason: message["stop_reason"]?.string)
        return .finished
    }
}
