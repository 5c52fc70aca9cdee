import Foundation
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
        var messages: [[String: Any]] = []
        for message in request.messages where message.role != "system" {
            // The API wants turns to alternate: consecutive same-role messages are merged.
            if let last = messages.last, last["role"] as? String == message.role, let text = last["content"] as? String {
                messages[messages.count - 1]["content"] = text + "\n\n" + message.content
            } else {
                messages.append(["role": message.role, "content": message.content])
            }
        }
        var body: [String: Any] = [
            "model": request.model,
            "max_tokens": request.maxTokens ?? defaultMaxTokens,
            "messages": messages,
            "stream": request.stream,
        ]
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { body["system"] = system }
        if let temperature = request.temperature { body["temperature"] = min(temperature, 1) }  // Anthropic's range is 0...1
        if let topP = request.topP { body["top_p"] = topP }
        if let stop = request.stop, !stop.isEmpty { body["stop_sequences"] = stop }

        let headers: HTTPHeaders = [
            "x-api-key": upstream.apiKey,
            "anthropic-version": version,
            "content-type": "application/json",
            "accept": request.stream ? "text/event-stream" : "application/json",
        ]
        return HTTPRequest(
            method: "POST", url: upstream.baseURL + "/v1/messages", headers: headers,
            body: Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
        )
    }

    func makeDecoder(for request: ChatCallRequest) -> AnthropicReplyDecoder { AnthropicReplyDecoder() }

    func errorDescription(status: Int, body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let error = object["error"] as? [String: Any] else {
            return "Anthropic answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return "Anthropic answered \(status): \(error["message"] as? String ?? "(no message)") (\(error["type"] as? String ?? "error"))"
    }
}

/// Reads the Messages stream, or a whole message.
final class AnthropicReplyDecoder: ChatReplyDecoder {
    private var inputTokens = 0
    private var outputTokens = 0
    private var stopReason: String?

    func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep {
        guard let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any] else {
            return .failed(ChatError(code: .providerError, message: "Anthropic sent a malformed stream event"))
        }
        switch object["type"] as? String ?? event.type {
        case "message_start":
            if let usage = (object["message"] as? [String: Any])?["usage"] as? [String: Any] {
                inputTokens = usage["input_tokens"] as? Int ?? inputTokens
                outputTokens = usage["output_tokens"] as? Int ?? outputTokens
            }
        case "content_block_delta":
            if let delta = object["delta"] as? [String: Any], delta["type"] as? String == "text_delta",
               let text = delta["text"] as? String {
                sink.delta(text)
            }
        case "message_delta":
            if let usage = object["usage"] as? [String: Any] { outputTokens = usage["output_tokens"] as? Int ?? outputTokens }
            if let reason = (object["delta"] as? [String: Any])?["stop_reason"] as? String { stopReason = reason }
        case "message_stop":
            sink.usage(inputTokens: inputTokens, outputTokens: outputTokens)
            sink.done(finishReason: stopReason)
            return .finished
        case "error":
            let error = object["error"] as? [String: Any]
            let type = error?["type"] as? String ?? "error"
            let message = "Anthropic stream error: \(error?["message"] as? String ?? "(no message)") (\(type))"
            let overloaded = type == "overloaded_error" || type == "rate_limit_error"
            return .failed(ChatError(code: overloaded ? .providerUnavailable : .providerError, message: message, retryable: overloaded))
        default:
            break  // ping, content_block_start/stop, and types added later
        }
        return .more
    }

    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep { .more }

    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        guard let message = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let content = message["content"] as? [[String: Any]] else {
            return .failed(ChatError(code: .providerError, message: "Anthropic sent a reply without content"))
        }
        let text = content.filter { $0["type"] as? String == "text" }.compactMap { $0["text"] as? String }.joined()
        if !text.isEmpty { sink.delta(text) }
        if let usage = message["usage"] as? [String: Any],
           let input = usage["input_tokens"] as? Int, let output = usage["output_tokens"] as? Int {
            sink.usage(inputTokens: input, outputTokens: output)
        }
        sink.done(finishReason: message["stop_reason"] as? String)
        return .finished
    }
}
