import CPatchbayPlugin
import Foundation
import Testing

@testable import PatchbayPluginKit

/// A plugin that embeds each input as [its length, 1], through the kit's export.
final class LengthEmbeddingPlugin: ProviderPlugin {
    static let name = "lengths"
    static let version = "1.0.0"
    static let manifest = PluginManifest(capabilities: [.embeddings], models: ["len-1"], description: "")

    init(settings: PluginSettings, log: HostLog) throws {}

    func startChat(_ request: ChatCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        events.done()
        return CompletedChatCall()
    }

    func startEmbedding(_ request: EmbeddingCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        for text in request.input { events.embedding([Float(text.count), 1]) }
        events.usage(inputTokens: request.input.count, outputTokens: 0)
        events.done()
        return CompletedChatCall()
    }
}

/// Events as raw bytes: an EMBEDDING's data is not text.
private final class RawEvents: @unchecked Sendable {
    let events = Recorder<(Int32, [UInt8])>()
}

private let recordRaw: patchbay_event_fn = { userData, event in
    let box = Unmanaged<RawEvents>.fromOpaque(userData!).takeUnretainedValue()
    let event = event!.pointee
    box.events.append((event.kind, Array(UnsafeRawBufferPointer(start: event.data, count: event.data_len))))
}

@Suite("Plugin kit: embeddings (ABI 1.3)", .serialized)
struct EmbeddingKitTests {
    @Test("the OpenAI request body: float encoding, the inputs in order, the model")
    func requestBody() {
        let request = EmbeddingCallRequest(requestID: "r", model: "text-embedding-3-small", input: ["a \"quoted\" text", "b"])
        #expect(String(decoding: OpenAIEmbeddings.body(for: request), as: UTF8.self)
            == #"{"encoding_format":"float","input":["a \"quoted\" text","b"],"model":"text-embedding-3-small"}"#)
    }

    @Test("the ABI request JSON round-trips; an empty or non-string input is refused by name")
    func requestJSON() throws {
        let request = EmbeddingCallRequest(requestID: "r9", model: "m", input: ["x", "y"])
        #expect(request.json == #"{"request_id":"r9","model":"m","input":["x","y"]}"#)
        #expect(try EmbeddingCallRequest(json: Data(request.json.utf8)) == request)
        for (json, fault) in [
            (#"{"model":"m","input":[]}"#, "input must be a non-empty array of strings"),
            (#"{"model":"m","input":["a",1]}"#, "input must hold strings only"),
            (#"{"input":["a"]}"#, "model is missing or of the wrong type"),
        ] {
            let error = #expect(throws: (any Error).self) { try EmbeddingCallRequest(json: Data(json.utf8)) }
            #expect(error.map { "\($0)" }?.contains(fault) == true, "\(json)")
        }
    }

    @Test("a reply is read by index, with its usage; a wrong count or a non-numeric embedding is a provider error")
    func replyParsing() throws {
        let reply = #"{"object":"list","data":[{"index":1,"embedding":[0.5,-1]},{"index":0,"embedding":[1,2e-3]}],"usage":{"prompt_tokens":4,"total_tokens":4}}"#
        let parsed = try OpenAIEmbeddings.vectors(from: Array(reply.utf8), expected: 2).get()
        #expect(parsed.vectors == [[1, 0.002], [0.5, -1]])
        #expect(parsed.inputTokens == 4)

        for (body, count) in [
            (reply, 3),
            (#"{"data":[{"index":0,"embedding":"AAAAAA=="}]}"#, 1),
            (#"{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[2]}]}"#, 2),
            (#"{"data":[{"index":0,"embedding":[1]},{"index":1,"embedding":[2,3]}]}"#, 2),
            (#"{"error":{"message":"no"}}"#, 1),
        ] {
            guard case .failure(let error) = OpenAIEmbeddings.vectors(from: Array(body.utf8), expected: count) else {
                Issue.record("accepted \(body)")
                continue
            }
            #expect(error.code == .providerError)
        }
    }

    @Test("the decoder emits the vectors in order, the usage, then DONE")
    func decoder() {
        let events = Recorder<ChatEvent>()
        let sink = ChatEventSink { events.append($0) }
        let body = #"{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[0,1]}],"usage":{"prompt_tokens":2}}"#
        #expect(OpenAIEmbeddingsDecoder(count: 2).decode(body: Array(body.utf8), into: sink) == .finished)
        #expect(events.all == [.embedding([1, 0]), .embedding([0, 1]), .usage(inputTokens: 2, outputTokens: 0), .done(finishReason: nil)])
    }

    @Test("embed_start is exported only with the embeddings capability, and sends raw little-endian float32")
    func export() throws {
        let plain = try #require(PluginExport.descriptor(for: ScriptedPlugin.self, hostMajor: 1, hostMinor: 0))
        #expect(plain.pointee.embed_start == nil)
        let descriptor = try #require(PluginExport.descriptor(for: LengthEmbeddingPlugin.self, hostMajor: 1, hostMinor: 0))
        let embedStart = try #require(descriptor.pointee.embed_start)
        #expect(String(cString: descriptor.pointee.manifest_json).contains(#""embeddings""#))

        let host = FakeHost()
        let (status, instance, _) = abiCreate(descriptor, host, "{}")
        #expect(status == PATCHBAY_OK)
        let box = RawEvents()
        func start(_ json: String) -> (patchbay_status, OpaquePointer?) {
            var call: OpaquePointer?
            let status = json.withCString { text in
                var request = patchbay_chat_request(
                    struct_size: UInt32(MemoryLayout<patchbay_chat_request>.size), abi_major: 1, abi_minor: 3,
                    json: text, json_len: strlen(text), on_event: recordRaw, user_data: Unmanaged.passUnretained(box).toOpaque())
                return embedStart(instance, &request, &call)
            }
            return (status, call)
        }
        #expect(start(#"{"model":"len-1","input":[]}"#).0 == PATCHBAY_ERR_INVALID_ARGUMENT)
        #expect(box.events.count == 0)
        let (started, call) = start(#"{"request_id":"r","model":"len-1","input":["abc","hello"]}"#)
        #expect(started == PATCHBAY_OK)
        descriptor.pointee.chat_release!(call)
        descriptor.pointee.instance_destroy!(instance)

        let events = box.events.all
        #expect(events.map(\.0) == [PATCHBAY_EVENT_EMBEDDING, PATCHBAY_EVENT_EMBEDDING, PATCHBAY_EVENT_USAGE, PATCHBAY_EVENT_DONE])
        // 3.0 and 1.0 as IEEE-754 binary32, little-endian.
        #expect(events[0].1 == [0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x3F])
        #expect(events[1].1 == ChatEventSink.littleEndianBytes([5, 1]))
        #expect(String(decoding: events[3].1, as: UTF8.self) == "{}")
    }
}
