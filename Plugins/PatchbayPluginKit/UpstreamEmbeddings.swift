/// What an embeddings API looks like on the wire (ABI 1.3): how an embedding call becomes an
/// HTTP request, and a decoder for its whole (non-streamed) JSON reply, which emits one
/// `embedding` per input, in input order, then `done`. Errors read as the chat format's do.
public protocol EmbeddingWireFormat: ChatWireFormat {
    /// Reads one attempt's embedding reply; a new one is made for every attempt.
    associatedtype EmbeddingDecoder: ChatReplyDecoder

    /// The upstream request for an embedding call.
    func makeEmbeddingRequest(for request: EmbeddingCallRequest) throws -> HTTPRequest
    /// A decoder for one attempt's embedding reply.
    func makeEmbeddingDecoder(for request: EmbeddingCallRequest) -> EmbeddingDecoder
}

/// One embedding call against an upstream API: the same attempts, retries, error mapping
/// (401/429/5xx, Retry-After), secret redaction and cancel as ``UpstreamChatCall``.
public enum UpstreamEmbeddingCall {
    /// Starts the call and returns at once; the returned handle cancels it.
    public static func start<Format: EmbeddingWireFormat>(
        _ request: EmbeddingCallRequest,
        format: Format,
        transport: HTTPTransport,
        policy: RetryPolicy,
        events: ChatEventSink,
        log: HostLog,
        secrets: [String]
    ) throws -> any ChatCallHandle {
        UpstreamChatCall.exchange(
            try format.makeEmbeddingRequest(for: request), requestID: request.requestID, streaming: false,
            makeDecoder: { format.makeEmbeddingDecoder(for: request) },
            errorDescription: { format.errorDescription(status: $0, body: $1) },
            transport: transport, policy: policy, events: events, log: log, secrets: secrets
        )
    }
}

extension UpstreamChatClient where Format: EmbeddingWireFormat {
    /// Starts one embedding call under the settings' retry policy.
    public func startEmbedding(_ request: EmbeddingCallRequest, events: ChatEventSink) throws -> any ChatCallHandle {
        try UpstreamEmbeddingCall.start(
            request, format: format, transport: transport, policy: format.upstream.retryPolicy,
            events: events, log: log, secrets: [format.upstream.apiKey]
        )
    }
}

/// OpenAI's embeddings API, which most OpenAI-compatible servers (Ollama, vLLM, llama.cpp) also
/// serve: `POST {base_url}/embeddings` with `{"encoding_format":"float","input":[…],"model":…}`;
/// the reply's `data[i].embedding` placed by `data[i].index`, `usage.prompt_tokens` as input tokens.
public enum OpenAIEmbeddings {
    /// The request body (members in sorted order, like the chat bodies).
    public static func body(for request: EmbeddingCallRequest) -> [UInt8] {
        Array((#"{"encoding_format":"float","input":"# + JSONText.array(request.input)
            + #","model":"# + JSONText.string(request.model) + "}").utf8)
    }

    /// The vectors of a reply, in input order, and its input tokens if it says; or what is wrong.
    public static func vectors(from body: [UInt8], expected count: Int) -> Result<(vectors: [[Float]], inputTokens: Int?), ChatError> {
        func malformed(_ why: String) -> Result<(vectors: [[Float]], inputTokens: Int?), ChatError> {
            .failure(ChatError(code: .providerError, message: "the upstream's embeddings reply \(why)"))
        }
        guard let reply = try? JSONValue.parse(body), let data = reply["data"]?.array else {
            return malformed("has no data array")
        }
        guard data.count == count else { return malformed("has \(data.count) embeddings for \(count) inputs") }
        var vectors = [[Float]?](repeating: nil, count: count)
        for (position, item) in data.enumerated() {
            let index = item["index"]?.int ?? position
            guard vectors.indices.contains(index), vectors[index] == nil else {
                return malformed("has a missing or repeated index \(index)")
            }
            guard let numbers = item["embedding"]?.array else {
                return malformed("has an embedding that is not an array of numbers (was encoding_format float honoured?)")
            }
            let vector = numbers.compactMap { number in number.double.map { Float($0) } }
            guard vector.count == numbers.count, !vector.isEmpty else { return malformed("has an embedding that is not an array of numbers") }
            vectors[index] = vector
        }
        let all = vectors.compactMap { $0 }
        guard all.allSatisfy({ $0.count == all[0].count }) else { return malformed("has embeddings of different dimensions") }
        return .success((all, reply["usage"]?["prompt_tokens"]?.int))
    }
}

/// Reads an OpenAI embeddings reply and emits its vectors, usage and DONE.
public final class OpenAIEmbeddingsDecoder: ChatReplyDecoder {
    private let count: Int

    /// A decoder for a request of `count` inputs.
    public init(count: Int) { self.count = count }

    /// An embeddings reply is never an event stream.
    public func decode(event: SSEEvent, into sink: ChatEventSink) -> ChatReplyStep {
        .failed(ChatError(code: .providerError, message: "the upstream answered an embeddings request with an event stream"))
    }

    /// See ``decode(event:into:)``.
    public func streamEnded(into sink: ChatEventSink) -> ChatReplyStep { .more }

    /// The whole reply.
    public func decode(body: [UInt8], into sink: ChatEventSink) -> ChatReplyStep {
        switch OpenAIEmbeddings.vectors(from: body, expected: count) {
        case .failure(let error):
            return .failed(error)
        case .success(let reply):
            for vector in reply.vectors { sink.embedding(vector) }
            if let tokens = reply.inputTokens { sink.usage(inputTokens: tokens, outputTokens: 0) }
            sink.done()
            return .finished
        }
    }
}
