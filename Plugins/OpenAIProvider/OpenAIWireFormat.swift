import Foundation
import PatchbayPluginKit

/// OpenAI's Chat Completions on the wire: `POST {base_url}/chat/completions`, bearer auth,
/// `chat.completion.chunk` SSE events ending with `data: [DONE]`, and error bodies
/// `{"error":{"message","type","param","code"}}`.
struct OpenAIWireFormat: UpstreamWireFormat {
    let upstream: UpstreamSettings
    let organization: String?
    let project: String?
    /// `max_tokens`, or `max_completion_tokens` for models that refuse the older name.
    let maxTokensField: String

    init(_ settings: PluginSettings) throws {
        try UpstreamSettings.refuseUnknownKeys(settings, known: OpenAIPlugin.knownKeys)
        upstream = try UpstreamSettings(settings, defaultBaseURL: "https://api.openai.com/v1")
        organization = try settings.string("organization")
        project = try settings.string("project")
        maxTokensField = try settings.string("max_tokens_field") ?? "max_tokens"
        guard ["max_tokens", "max_completion_tokens"].contains(maxTokensField) else {
            throw SettingsError.invalid("max_tokens_field", "max_tokens_field must be max_tokens or max_completion_tokens")
        }
    }

    func makeRequest(for request: ChatCallRequest) throws -> HTTPRequest {
        var messages: [[String: Any]] = []
        if let system = request.system, !system.isEmpty { messages.append(["role": "system", "content": system]) }
        messages += request.messages.map { ["role": $0.role, "content": $0.content] }
        var body: [String: Any] = ["model": request.model, "messages": messages, "stream": request.stream]
        if request.stream { body["stream_options"] = ["include_usage": true] }
        if let temperature = request.temperature { body["temperature"] = temperature }
        if let topP = request.topP { body["top_p"] = topP }
        if let maxTokens = request.maxTokens { body[maxTokensField] = maxTokens }
        if let stop = request.stop, !stop.isEmpty { body["stop"] = stop }

        var headers: HTTPHeaders = [
            "Authorization": "Bearer \(upstream.apiKey)",
            "Content-Type": "application/json",
            "Accept": request.stream ? "text/event-stream" : "application/json",
        ]
        if let organization { headers.add(name: "OpenAI-Organization", value: organization) }
        if let project { headers.add(name: "OpenAI-Project", value: project) }
        return HTTPRequest(
            method: "POST", url: upstream.baseURL + "/chat/completions", headers: headers,
            body: Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
        )
    }

    func makeDecoder(for request: ChatCallRequest) -> OpenAIReplyDecoder { OpenAIReplyDecoder() }

    func errorDescription(status: Int, body: [UInt8]) -> String {
        OpenAIErrorBody.describe("OpenAI", status: status, body: body)
    }
}

/// Reads `chat.completion.chunk` events, or a whole `chat.completion`.
final class OpenAIReplyDecoder: ChatReplyDecoder {
    private var finishReason: String?

    func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep {
        if event.data == "[DONE]" {
            sink.done(finishReason: finishReason)
            return .finished
        }
        guard let chunk = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any] else {
            return .failed(ChatError(code: .providerError, message: "OpenAI sent a malformed stream chunk"))
        }
        // Compatible servers (and OpenAI under load) may put an error object in the stream.
        if let error = chunk["error"] as? [String: Any] {
            return .failed(ChatError(code: .providerError, message: "OpenAI stream error: \(error["message"] as? String ?? "(no message)")"))
        }
        if let choice = (chunk["choices"] as? [[String: Any]])?.first {
            if let delta = choice["delta"] as? [String: Any], let content = delta["content"] as? String {
                sink.delta(content)
            }
            if let reason = choice["finish_reason"] as? String { finishReason = reason }
        }
        if let usage = chunk["usage"] as? [String: Any] { emitUsage(usage, into: sink) }
        return .more
    }

    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep {
        // Some compatible servers end the stream after the finish_reason without [DONE].
        guard finishReason != nil else { return .more }
        sink.done(finishReason: finishReason)
        return .finished
    }

    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        guard let reply = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let choice = (reply["choices"] as? [[String: Any]])?.first else {
            return .failed(ChatError(code: .providerError, message: "OpenAI sent a reply without choices"))
        }
        if let message = choice["message"] as? [String: Any], let content = message["content"] as? String {
            sink.delta(content)
        }
        if let usage = reply["usage"] as? [String: Any] { emitUsage(usage, into: sink) }
        sink.done(finishReason: choice["finish_reason"] as? String)
        return .finished
    }

    private func emitUsage(_ usage: [String: Any], into sink: ChatEventSink) {
        guard let input = usage["prompt_tokens"] as? Int, let output = usage["completion_tokens"] as? Int else { return }
        sink.usage(inputTokens: input, outputTokens: output)
    }
}
