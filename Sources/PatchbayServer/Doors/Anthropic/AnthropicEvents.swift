import NIOCore
import PatchbayJSON
import PatchbayPluginHost

/// The bytes of an Anthropic Messages reply: named SSE events while streaming (`message_start`,
/// `content_block_start`, `ping`, `content_block_delta`…, `content_block_stop`, `message_delta`,
/// `message_stop`), or one `message` object.
struct AnthropicEvents: TurnEventEncoder {
    private let id: String
    private let model: String
    private var started = false

    let contentType = "application/json"

    init(metadata: TurnMetadata, model: String) {
        // A client's X-Request-ID may hold any printable ASCII, quotes included.
        id = JSONText.string("msg_" + metadata.requestID)
        self.model = JSONText.string(model)
    }

    mutating func encode(_ event: TurnEvent, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: 256)
        if !started {
            started = true
            Self.event("message_start", #"{"type":"message_start","message":{"id":"# + id + #","type":"message","role":"assistant","model":"#
                       + model + #","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#, into: &buffer)
            Self.event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#, into: &buffer)
            Self.event("ping", #"{"type":"ping"}"#, into: &buffer)
        }
        switch event {
        case .delta(let text):
            Self.event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"#
                       + JSONText.string(text) + "}}", into: &buffer)
        case .finished(let summary):
            Self.event("content_block_stop", #"{"type":"content_block_stop","index":0}"#, into: &buffer)
            Self.event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":""# + Self.stopReason(summary.finishReason)
                       + #"","stop_sequence":null},"usage":"# + Self.usage(summary.usage) + "}", into: &buffer)
            Self.event("message_stop", #"{"type":"message_stop"}"#, into: &buffer)
        case .failed(let error):
            Self.event("error", AnthropicError(error).body, into: &buffer)
        }
        return buffer
    }

    /// The whole reply as one `message`.
    func wholeReply(_ reply: TurnReply) -> ByteBuffer {
        ByteBuffer(string: #"{"id":"# + id + #","type":"message","role":"assistant","model":"# + model
            + #","content":[{"type":"text","text":"# + JSONText.string(reply.text) + #"}],"stop_reason":""#
            + Self.stopReason(reply.summary.finishReason) + #"","stop_sequence":null,"usage":"# + Self.usage(reply.summary.usage) + "}")
    }

    private static func event(_ name: String, _ json: String, into buffer: inout ByteBuffer) {
        buffer.writeString("event: \(name)\ndata: ")
        buffer.writeString(json)
        buffer.writeString("\n\n")
    }

    /// Anthropic's stop reasons, from whatever the provider said (OpenAI's included).
    static func stopReason(_ reason: String?) -> String {
        switch reason {
        case "length", "max_tokens": "max_tokens"
        case "stop_sequence": "stop_sequence"
        case "tool_calls", "tool_use": "tool_use"
        case "content_filter", "refusal": "refusal"
        default: "end_turn"
        }
    }

    static func usage(_ usage: TokenUsage?) -> String {
        let usage = usage ?? TokenUsage(inputTokens: 0, outputTokens: 0)
        return #"{"input_tokens":\#(usage.inputTokens),"output_tokens":\#(usage.outputTokens)}"#
    }
}
