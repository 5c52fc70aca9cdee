import Foundation
import NIOCore
import PatchbayJSON
import PatchbayPluginHost

/// The bytes of a seed-004 reply: `data: {"chunk":"…","index":n}` frames then
/// `data: {"finished":true,"usage":{…}}` while streaming, or one
/// `{response, model, request_id, timestamp, cached, usage}` object.
struct CompletionReply: TurnEventEncoder {
    let metadata: TurnMetadata
    private var index = 0

    let contentType = "application/json"

    init(metadata: TurnMetadata) {
        self.metadata = metadata
    }

    mutating func encode(_ event: TurnEvent, allocator: ByteBufferAllocator) -> ByteBuffer? {
        switch event {
        case .delta(let text):
            defer { index += 1 }
            return frame(#"{"chunk":"# + JSONText.string(text) + #","index":\#(index)}"#)
        case .finished(let summary):
            return frame(#"{"finished":true,"usage":"# + OpenAIChunks.usage(summary.usage) + #","request_id":"# + JSONText.string(metadata.requestID) + "}")
        case .failed(let error):
            // 004 names no mid-stream error; its error object, on the last frame, is what its clients parse.
            let apiError = APIError(error)
            return frame(#"{"finished":true,"error":"# + JSONText.string(apiError.message) + #","code":""# + APIv1Error.code(apiError.code)
                         + #"","request_id":"# + JSONText.string(metadata.requestID) + "}")
        }
    }

    func wholeReply(_ reply: TurnReply) -> ByteBuffer {
        ByteBuffer(string: #"{"response":"# + JSONText.string(reply.text) + #","model":"# + JSONText.string(metadata.model)
            + #","request_id":"# + JSONText.string(metadata.requestID) + #","timestamp":""# + Date().iso8601Seconds
            + #"","cached":\#(cache.status == .hit),"cache_key":"# + JSONText.stringOrNull(cache.key)
            + #","similarity_score":\#(cache.similarity.map { "\($0)" } ?? "null"),"usage":"# + OpenAIChunks.usage(reply.summary.usage) + "}")
    }

    private var cache: CacheReport { metadata.cache }

    private func frame(_ json: String) -> ByteBuffer {
        ByteBuffer(string: "data: " + json + "\n\n")
    }
}
