import Foundation
import NIOCore
import PatchbayJSON
import PatchbayPluginHost

/// The bytes of an OpenAI Chat Completions reply: `chat.completion.chunk` frames while streaming
/// (the role first, then content deltas, then `finish_reason`, then the usage if asked for, then
/// `[DONE]`), or one `chat.completion` object.
struct OpenAIChunks: TurnEventEncoder {
    /// `"id":"chatcmpl-…","object":…,"created":…,"model":…` minus the object: the members every frame shares.
    private let common: String
    private let includeUsage: Bool
    private var sentRole = false

    let contentType = "application/json"

    init(metadata: TurnMetadata, model: String, includeUsage: Bool, created: Int = Int(Date().timeIntervalSince1970)) {
        // A client's X-Request-ID may hold any printable ASCII, quotes included.
        common = #""id":"# + JSONText.string("chatcmpl-" + metadata.requestID) + #","created":\#(created),"model":"# + JSONText.string(model)
        self.includeUsage = includeUsage
    }

    mutating func encode(_ event: TurnEvent, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: 256)
        if !sentRole {
            sentRole = true
            chunk(#"{"role":"assistant","content":""}"#, finishReason: nil, into: &buffer)
        }
        switch event {
        case .delta(let text):
            chunk(#"{"content":"# + JSONText.string(text) + "}", finishReason: nil, into: &buffer)
        case .finished(let summary):
            chunk("{}", finishReason: Self.finishReason(summary.finishReason), into: &buffer)
            if includeUsage {
                frame(#"{"# + common + #","object":"chat.completion.chunk","choices":[],"usage":"# + Self.usage(summary.usage) + "}", into: &buffer)
            }
            buffer.writeString("data: [DONE]\n\n")
        case .failed(let error):
            // As OpenAI does: an error object in the stream, which the SDKs raise.
            frame(OpenAIError(error).body, into: &buffer)
        }
        return buffer
    }

    /// The whole reply as one `chat.completion`.
    func wholeReply(_ reply: TurnReply) -> ByteBuffer {
        ByteBuffer(string: #"{"# + common + #","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"#
            + JSONText.string(reply.text) + #","refusal":null},"logprobs":null,"finish_reason":""# + Self.finishReason(reply.summary.finishReason)
            + #""}],"usage":"# + Self.usage(reply.summary.usage) + "}")
    }

    private func chunk(_ delta: String, finishReason: String?, into buffer: inout ByteBuffer) {
        let reason = finishReason.map { #""\#($0)""# } ?? "null"
        frame(#"{"# + common + #","object":"chat.completion.chunk","choices":[{"index":0,"delta":"# + delta
              + #","logprobs":null,"finish_reason":"# + reason + "}]}", into: &buffer)
    }

    private func frame(_ json: String, into buffer: inout ByteBuffer) {
        buffer.writeString("data: ")
        buffer.writeString(json)
        buffer.writeString("\n\n")
    }

    /// OpenAI's finish reasons, from whatever the provider said (Anthropic's included).
    static func finishReason(_ reason: String?) -> String {
        switch reason {
        case "length", "max_tokens": "length"
        case "content_filter", "refusal": "content_filter"
        case "tool_calls", "tool_use": "tool_calls"
        default: "stop"
        }
    }

    static func usage(_ usage: TokenUsage?) -> String {
        let usage = usage ?? TokenUsage(inputTokens: 0, outputTokens: 0)
        return #"{"prompt_tokens":\#(usage.inputTokens),"completion_tokens":\#(usage.outputTokens),"total_tokens":\#(usage.totalTokens)}"#
    }
}
