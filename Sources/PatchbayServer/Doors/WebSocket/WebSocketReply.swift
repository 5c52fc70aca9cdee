import Foundation
import PatchbayJSON
import PatchbayPluginHost

/// The server's messages on a 004 WebSocket, each one whole JSON text message, written by hand
/// like the other doors' frames (a `stream` message per delta is the hot path).
enum WebSocketReply {
    /// `{type: "stream", id, data: {chunk, index, finished: false}}`.
    static func stream(id: String, chunk: String, index: Int) -> String {
        #"{"type":"stream","id":"# + JSONText.string(id) + #","data":{"chunk":"# + JSONText.string(chunk)
            + #","index":\#(index),"finished":false}}"#
    }

    /// `{type: "complete", id, data: {response, model, usage: {prompt_tokens, completion_tokens, total_tokens}, cached: false}}`.
    static func complete(id: String, response: String, model: String, usage: TokenUsage?) -> String {
        #"{"type":"complete","id":"# + JSONText.string(id) + #","data":{"response":"# + JSONText.string(response)
            + #","model":"# + JSONText.string(model) + #","usage":"# + OpenAIChunks.usage(usage) + #","cached":false}}"#
    }

    /// `{type: "error", id, data: {error, code}}`; `id` is null for a message that had none.
    static func error(id: String?, _ error: WebSocketError) -> String {
        #"{"type":"error","id":"# + JSONText.stringOrNull(id) + #","data":{"error":"# + JSONText.string(error.message)
            + #","code":""# + error.code + #""}}"#
    }

    /// `{type: "pong", id, timestamp}`, the server's time as 004 writes times.
    static func pong(id: String, at date: Date = Date()) -> String {
        #"{"type":"pong","id":"# + JSONText.string(id) + #","timestamp":""# + date.formatted(.iso8601) + #""}"#
    }
}

/// An `error` message's `data`: one of 004's codes and a message the client may show. Made from
/// the widget API's error (authentication, bodies) or a turn's, as every door's error is.
struct WebSocketError: Error {
    private enum Code: String {
        case invalidRequest = "INVALID_REQUEST"
        case unauthorized = "UNAUTHORIZED"
        case forbidden = "FORBIDDEN"
        case notFound = "NOT_FOUND"
        case rateLimited = "RATE_LIMITED"
        case providerError = "PROVIDER_ERROR"
        case timeout = "TIMEOUT"
        case internalError = "INTERNAL_ERROR"
    }

    private let base: Code
    /// What happened, for the end user: never a key or an upstream's own words.
    let message: String

    /// 004's code: `PROVIDER_ERROR`, …
    var code: String { base.rawValue }

    /// 004's form of an error of the widget API: 004 has no code of its own for an unavailable
    /// provider (a provider error to its clients) or for a server on its way down.
    init(_ error: APIError) {
        message = error.message
        switch error.code {
        case .invalidRequest, .methodNotAllowed, .payloadTooLarge: base = .invalidRequest
        case .unauthorized: base = .unauthorized
        case .forbidden: base = .forbidden
        case .notFound: base = .notFound
        case .rateLimited: base = .rateLimited
        case .providerError, .providerUnavailable: base = .providerError
        case .timeout: base = .timeout
        case .internalError, .shuttingDown: base = .internalError
        }
    }

    /// 004's form of a turn's error.
    init(_ error: TurnError) { self.init(APIError(error)) }
}
