import NIOCore
import PatchbayJSON
import PatchbayPluginHost

/// The bytes of a `/api/chat` reply: SSE frames `{content, done}` when streaming, one JSON
/// object otherwise. Frames are written by hand: this is the per-delta hot path.
struct ChatReply: TurnEventEncoder {
    /// The turn's ids, assistant, provider and model.
    let metadata: TurnMetadata

    mutating func encode(_ event: TurnEvent, allocator: ByteBufferAllocator) -> ByteBuffer? {
        switch event {
        case .delta(let text): Self.deltaFrame(text, allocator: allocator)
        case .finished(let summary): frame(#"{"content":"","done":true,"# + members(summary) + "}", allocator: allocator)
        case .failed(let error):
            frame(#"{"content":"","done":true,"error":"# + APIError(error).jsonObject + "," + members(nil) + "}", allocator: allocator)
        }
    }

    /// `data: {"content":"…","done":false}` and a blank line.
    static func deltaFrame(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: text.utf8.count + 40)
        buffer.writeString(#"data: {"content":"#)
        buffer.writeString(JSONText.string(text))
        buffer.writeString(#","done":false}"# + "\n\n")
        return buffer
    }

    let contentType = "application/json; charset=utf-8"

    /// The body of a non-streamed reply.
    func wholeReply(_ reply: TurnReply) -> ByteBuffer {
        let quoted = JSONText.string(reply.text)
        return ByteBuffer(string: #"{"content":"# + quoted + #","message":"# + quoted + #","done":true,"# + members(reply.summary) + "}")
    }

    private func members(_ summary: TurnSummary?) -> String {
        var members = #""requestId":"# + JSONText.string(metadata.requestID)
            + #","assistantType":"# + JSONText.string(metadata.assistant)
            + #","assistantId":"# + JSONText.string(metadata.assistant)
            + #","provider":"# + JSONText.string(metadata.provider)
            + #","model":"# + JSONText.string(metadata.model)
        if let usage = summary?.usage {
            members += #","usage":{"inputTokens":\#(usage.inputTokens),"outputTokens":\#(usage.outputTokens),"totalTokens":\#(usage.totalTokens)}"#
        }
        if let finishReason = summary?.finishReason { members += #","finishReason":"# + JSONText.string(finishReason) }
        if let conversationID = metadata.conversationID { members += #","conversationId":"# + JSONText.string(conversationID) }
        if metadata.contextWasReset { members += #","conversationReset":true"# }
        if let threadID = summary?.threadID { members += #","threadId":"# + JSONText.string(threadID) }
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
