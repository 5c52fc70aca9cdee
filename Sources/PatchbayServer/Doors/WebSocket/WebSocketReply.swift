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

    /// `{type: "complete", id, data: {response, model, usage: {prompt_tokens, completion_tokens, total_tokens}, cached}}`.
    static func complete(id: String, response: String, model: String, usage: TokenUsage?, cached: Bool) -> String {
        #"{"type":"complete","id":"# + JSONText.string(id) + #","data":{"response":"# + JSONText.string(response)
            + #","model":"# + JSONText.string(model) + #","usage":"# + OpenAIChunks.usage(usage) + #","cached":\#(cached)}}"#
    }

    /// `{type: "error", id, data: {error, code}}`; `id` is null for a message that had none.
    static func error(id: String?, _ error: WebSocketError) -> String {
        #"{"type":"error","id":"# + JSONText.stringOrNull(id) + #","data":{"error":"# + JSONText.string(error.message)
            + #","code":""# + error.code + #""}}"#
    }

    /// `{type: "pong", id, timestamp}`, the server's time as 004 writes times.
    static func pong(id: String, at date: Date = Date()) -> String {
        #"{"type":"pong","id":"# + JSONText.string(id) + #","timestamp":""# + date.iso8601Seconds + #""}"#
    }
}

/// An `error` message's `data`: one of 004's codes and a message the client may show. Made from
/// the widget API's error (authentication, bodies) or a turn's, as every door's error is.
struct WebSocketError: Error {
    /// What happened, for the end user: never a key or an upstream's own words.
    let message: String
    /// 004's code: `PROVIDER_ERROR`, …
    let code: String

    init(_ error: APIError) {
        message = error.message
        code = APIv1Error.code(error.code)
    }

    /// 004's form of a turn's error.
    init(_ error: TurnError) { self.init(APIError(error)) }
}
