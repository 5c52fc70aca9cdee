import PatchbayPluginKit

/// OpenAI's Chat Completions on the wire: `POST {base_url}/chat/completions`, bearer auth,
/// `chat.completion.chunk` SSE events ending with `data: [DONE]`, and error bodies
/// `{"error":{"message","type","param","code"}}`.
struct OpenAIWireFormat: UpstreamWireFormat, EmbeddingWireFormat {
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
        // Written straight as text, members in sorted order: this runs once per turn, and
        // JSONSerialization cost more than the rest of the request's making together.
        var json = "{"
        if let maxTokens = request.maxTokens { json += JSONText.string(maxTokensField) + ":\(maxTokens)," }
        json += #""messages":["#
        let system = request.system.flatMap { $0.isEmpty ? nil : JSONText.chatMessage(role: "system", content: $0) }
        json += ([system].compactMap { $0 } + request.messages.map { JSONText.chatMessage(role: $0.role, content: $0.content) })
            .joined(separator: ",")
        json += #"],"model":"# + JSONText.string(request.model)
        if let stop = request.stop, !stop.isEmpty { json += #","stop":"# + JSONText.array(stop) }
        json += request.stream ? #","stream":true,"stream_options":{"include_usage":true}"# : #","stream":false"#
        if let temperature = request.temperature { json += #","temperature":"# + JSONText.number(temperature) }
        if let topP = request.topP { json += #","top_p":"# + JSONText.number(topP) }
        json += "}"

        return HTTPRequest(
            method: "POST", url: upstream.baseURL + "/chat/completions", headers: headers(accept: request.stream ? "text/event-stream" : "application/json"),
            body: Array(json.utf8)
        )
    }

    func makeEmbeddingRequest(for request: EmbeddingCallRequest) throws -> HTTPRequest {
        HTTPRequest(method: "POST", url: upstream.baseURL + "/embeddings", headers: headers(accept: "application/json"),
                    body: OpenAIEmbeddings.body(for: request))
    }

    func makeEmbeddingDecoder(for request: EmbeddingCallRequest) -> OpenAIEmbeddingsDecoder {
        OpenAIEmbeddingsDecoder(count: request.input.count)
    }

    /// Bearer auth, JSON, and the optional organization and project.
    private func headers(accept: String) -> HTTPHeaders {
        var headers: HTTPHeaders = [
            "Authorization": "Bearer \(upstream.apiKey)",
            "Content-Type": "application/json",
            "Accept": accept,
        ]
        if let organization { headers.add(name: "OpenAI-Organization", value: organization) }
        if let project { headers.add(name: "OpenAI-Project", value: project) }
        return headers
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
        guard let chunk = try? JSONValue.parse(event.data), chunk.object != nil else {
            return .failed(ChatError(code: .providerError, message: "OpenAI sent a malformed stream chunk"))
        }
        // Compatible servers (and OpenAI under load) may put an error object in the stream.
        if let error = chunk["error"], error.object != nil {
            return .failed(ChatError(code: .providerError, message: "OpenAI stream error: \(error["message"]?.string ?? "(no message)")"))
        }
        if let choice = chunk["choices"]?.array?.first {
            if let content = choice["delta"]?["content"]?.string { sink.delta(content) }
            if let reason = choice["finish_reason"]?.string { finishReason = reason }
        }
        if let usage = chunk["usage"] { emitUsage(usage, into: sink) }
        return .more
    }

    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep {
        // Some compatible servers end the stream after the finish_reason without [DONE].
        guard finishReason != nil else { return .more }
        sink.done(finishReason: finishReason)
        return .finished
    }

    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        guard let reply = try? JSONValue.parse(body), let choice = reply["choices"]?.array?.first else {
            return .failed(ChatError(code: .providerError, message: "OpenAI sent a reply without choices"))
        }
        if let content = choice["message"]?["content"]?.string { sink.delta(content) }
        if let usage = reply["usage"] { emitUsage(usage, into: sink) }
        sink.done(finishReason: choice["finish_reason"]?.string)
        return .finished
    }

    private func emitUsage(_ usage: JSONValue, into sink: ChatEventSink) {
        guard let input = usage["prompt_tokens"]?.int, let output = usage["completion_tokens"]?.int else { return }
        sink.usage(inputTokens: input, outputTokens: output)
    }
}
