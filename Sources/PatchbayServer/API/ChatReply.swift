import NIOCore
import PatchbayPluginHost
import PatchbayJSON

/// The bytes of a chat reply: SSE frames when streaming, one JSON object otherwise.
///
/// Frames are written by hand (see JSONText) because this is the per-delta hot path.
struct ChatReply {
    /// The request's id.
    var requestID: String
    /// The assistant that answered.
    var assistantType: String
    /// Its provider's name.
    var provider: String
    /// The model asked for.
    var model: String
    /// The last usage the plugin reported.
    var usage: TokenUsage?
    /// Why the reply ended.
    var finishReason: String?
    /// The stored conversation this turn belongs to, if any.
    var conversationID: String?
    /// Whether inactivity reset the conversation's context before this turn.
    var contextWasReset = false

    /// `data: {"content":"…","done":false}` and a blank line.
    static func deltaFrame(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: text.utf8.count + 40)
        buffer.writeString(#"data: {"content":"#)
        buffer.writeString(JSONText.string(text))
        buffer.writeString(#","done":false}"# + "\n\n")
        return buffer
    }

    /// The last frame of a stream that ended well: `{"content":"","done":true, usage and ids}`.
    func finalFrame(allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(#"{"content":"","done":true,"# + metadataMembers + "}", allocator: allocator)
    }

    /// The last frame of a stream that failed after it began: `{"content":"","done":true,"error":{…}}`.
    func errorFrame(_ error: APIError, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(#"{"content":"","done":true,"error":"# + error.jsonObject + "," + metadataMembers + "}", allocator: allocator)
    }

    /// The body of a non-streamed reply.
    func jsonBody(content: String) -> String {
        let quoted = JSONText.string(content)
        return #"{"content":"# + quoted + #","message":"# + quoted + #","done":true,"# + metadataMembers + "}"
    }

    private var metadataMembers: String {
        var members = #""requestId":"# + JSONText.string(requestID)
            + #","assistantType":"# + JSONText.string(assistantType)
            + #","provider":"# + JSONText.string(provider)
            + #","model":"# + JSONText.string(model)
        if let usage {
            members += #","usage":{"inputTokens":\#(usage.inputTokens),"outputTokens":\#(usage.outputTokens),"totalTokens":\#(usage.totalTokens)}"#
        }
        if let finishReason { members += #","finishReason":"# + JSONText.string(finishReason) }
        if let conversationID { members += #","conversationId":"# + JSONText.string(conversationID) }
        if contextWasReset { members += #","conversationReset":true"# }
        return members
    }

    private func frame(_ json: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: json.utf8.count + 8)
        buffer.writeString("data: ")
        buffer.writeString(json)
        buffer.writeString("\n\n")
        return buffer
    }
}
