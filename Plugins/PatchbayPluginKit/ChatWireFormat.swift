import Foundation

/// What one chat API looks like on the wire: how a call becomes an HTTP request, and how the
/// replies and error bodies read. The OpenAI and Anthropic plugins are each one of these; the
/// transport, retries, SSE framing and the ABI's rules are ``UpstreamChatCall``'s.
public protocol ChatWireFormat: Sendable {
    /// Reads one call's reply. A new decoder is made for every attempt.
    associatedtype Decoder: ChatReplyDecoder

    /// The upstream request for a call.
    func makeRequest(for request: ChatCallRequest) throws -> HTTPRequest
    /// A decoder for one attempt's reply.
    func makeDecoder(for request: ChatCallRequest) -> Decoder
    /// The upstream's own words about a failed request, from its error body, for the log.
    /// Secrets are redacted afterwards by the caller.
    func errorDescription(status: Int, body: [UInt8]) -> String
}

/// Where a reply stands after a piece of it was read.
public enum ChatReplyStep: Sendable, Equatable {
    /// More is expected.
    case more
    /// The reply is complete: the decoder has emitted its DONE.
    case finished
    /// The reply failed in the middle (an error event, a malformed chunk).
    case failed(ChatError)
}

/// Reads one attempt's successful (2xx) reply and emits its events. Used on the transport's
/// event thread only, so it may keep plain mutable state.
public protocol ChatReplyDecoder: AnyObject {
    /// One event of a streamed reply.
    func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep
    /// The streamed reply's bytes have ended; the decoder decides whether that was complete.
    func streamEnded(into sink: ChatEventSink) -> ChatReplyStep
    /// A whole non-streamed reply body.
    func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep
}

/// Error bodies in OpenAI's shape, `{"error":{"message","type","param","code"}}`, which OpenAI's
/// Chat Completions and Responses APIs and most compatible servers send.
public enum OpenAIErrorBody {
    /// "`vendor` answered `status`: message (type, code)", or the body's start when it is not that shape.
    public static func describe(_ vendor: String, status: Int, body: [UInt8]) -> String {
        guard let error = (try? JSONValue.parse(body))?["error"], error.object != nil else {
            return "\(vendor) answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        let details = [error["type"], error["code"]].compactMap { $0?.string }.joined(separator: ", ")
        return "\(vendor) answered \(status): \(error["message"]?.string ?? "(no message)")" + (details.isEmpty ? "" : " (\(details))")
    }
}

/// Removes secrets from text that is about to be logged or reported.
public enum SecretRedaction {
    /// `text` with every secret, and anything shaped like an API key, replaced.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        // Upstreams echo partly masked keys back ("Incorrect API key provided: sk-abc***xyz").
        guard let pattern = try? Regex(#"(sk|key|api)[-_][A-Za-z0-9*_\-]{6,}"#) else { return text }
        return text.replacing(pattern) { _ in "[redacted key]" }
    }
}
