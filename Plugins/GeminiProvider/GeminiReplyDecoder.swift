import PatchbayPluginKit

/// Reads `GenerateContentResponse`s: one per event of a stream, or one whole reply.
///
/// Every streamed response carries the usage so far (the last one wins) and the last one the
/// candidate's `finishReason`: `STOP` ends the reply as `stop`, `MAX_TOKENS` as `length`. A
/// prompt blocked (`promptFeedback.blockReason`) or a reply stopped by a content filter
/// (`SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY`) ends the
/// call with INVALID_REQUEST: the host tells the user the provider could not accept the
/// request, which is what happened, and routing does not try the same words elsewhere.
final class GeminiReplyDecoder: ChatReplyDecoder {
    /// The finish reasons that mean a filter stopped the reply.
    static let blockingReasons: Set<String> = ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]

    private var inputTokens: Int?
    private var outputTokens = 0

    func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep {
        guard let response = try? JSONValue.parse(event.data), response.object != nil else {
            return .failed(ChatError(code: .providerError, message: "Gemini sent a malformed stream event"))
        }
        // Gemini writes a mid-stream error bare (no `data:`); a proxy may wrap it in an event.
        if let error = response["error"], error.object != nil { return .failed(Self.streamError(error)) }
        if let blocked = Self.blockedPrompt(response) { return .failed(blocked) }
        readUsage(response)
        guard let candidate = response["candidates"]?.array?.first else { return .more }
        guard let reason = candidate["finishReason"]?.string else {
            emitText(of: candidate, into: sink)
            return .more
        }
        if let stopped = Self.filtered(reason) { return .failed(stopped) }
        emitText(of: candidate, into: sink)
        return finish(reason, into: sink)
    }

    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep {
        // A normal stream's last event has the finish reason. Gemini reports a failure in the
        // middle of a stream as a bare JSON error body, which is no event: only its absence shows.
        .failed(ChatError(code: .providerUnavailable, message: "Gemini's stream ended without a finish reason (an error in mid-stream?)"))
    }

    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        guard let response = try? JSONValue.parse(body), response.object != nil else {
            return .failed(ChatError(code: .providerError, message: "Gemini sent a reply that is not a JSON object"))
        }
        if let blocked = Self.blockedPrompt(response) { return .failed(blocked) }
        guard let candidate = response["candidates"]?.array?.first else {
            return .failed(ChatError(code: .providerError, message: "Gemini sent a reply without candidates"))
        }
        let reason = candidate["finishReason"]?.string
        if let reason, let stopped = Self.filtered(reason) { return .failed(stopped) }
        readUsage(response)
        emitText(of: candidate, into: sink)
        return finish(reason, into: sink)
    }

    // MARK: Pieces

    private func emitText(of candidate: JSONValue, into sink: ChatEventSink) {
        let parts = candidate["content"]?["parts"]?.array ?? []
        // Thought summaries (`thought: true`) are the model's reasoning, not its reply.
        let text = parts.filter { $0["thought"]?.bool != true }.compactMap { $0["text"]?.string }.joined()
        if !text.isEmpty { sink.delta(text) }
    }

    private func readUsage(_ response: JSONValue) {
        guard let usage = response["usageMetadata"] else { return }
        inputTokens = usage["promptTokenCount"]?.int ?? inputTokens
        outputTokens = usage["candidatesTokenCount"]?.int ?? outputTokens
    }

    private func finish(_ reason: String?, into sink: ChatEventSink) -> ChatReplyStep {
        if let inputTokens { sink.usage(inputTokens: inputTokens, outputTokens: outputTokens) }
        let finishReason: String? = switch reason {
        case nil: nil
        case "STOP"?: "stop"
        case "MAX_TOKENS"?: "length"
        case let other?: other.lowercased()
        }
        sink.done(finishReason: finishReason)
        return .finished
    }

    /// The failure for a blocked prompt, if this response says the prompt was blocked.
    private static func blockedPrompt(_ response: JSONValue) -> ChatError? {
        guard let reason = response["promptFeedback"]?["blockReason"]?.string else { return nil }
        return ChatError(code: .invalidRequest, message: "Gemini blocked the prompt (\(reason))")
    }

    /// The failure for a reply a content filter stopped, if `reason` is such a stop.
    private static func filtered(_ reason: String) -> ChatError? {
        guard blockingReasons.contains(reason) else { return nil }
        return ChatError(code: .invalidRequest, message: "Gemini stopped the reply (\(reason))")
    }

    /// An error object met in the stream: overload and quota errors are PROVIDER_UNAVAILABLE.
    private static func streamError(_ error: JSONValue) -> ChatError {
        let status = error["status"]?.string ?? "error"
        let unavailable = ["UNAVAILABLE", "RESOURCE_EXHAUSTED"].contains(status)
        return ChatError(code: unavailable ? .providerUnavailable : .providerError,
                         message: "Gemini stream error: \(error["message"]?.string ?? "(no message)") (\(status))",
                         retryable: unavailable, upstreamStatus: error["code"]?.int)
    }
}
