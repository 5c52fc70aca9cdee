import Foundation
import Hummingbird
import PatchbayJSON

/// The fake upstream's embedding model: deterministic and paraphrase-friendly, so that tests of a
/// semantic cache can count on "How do I reset my password?" and "how can I reset my password
/// please" landing together, and "What is the weather in Paris" elsewhere.
///
/// The text is lowercased, every character that is not a letter or digit becomes a space, common
/// English stop words are dropped, and each remaining word adds ±1 to one of ``dimensions``
/// dimensions (both picked by an FNV-1a hash of the word); the sum is L2-normalised. A text with
/// no content word gets the unit vector of dimension 0.
public enum FakeEmbedding {
    /// The vectors' dimension.
    public static let dimensions = 64

    /// Words that carry no meaning for a support question.
    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for", "with", "by", "from",
        "about", "as", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could",
        "would", "should", "will", "shall", "may", "might", "must", "i", "me", "my", "mine", "you", "your",
        "yours", "we", "our", "us", "he", "she", "it", "its", "they", "them", "their", "this", "that",
        "these", "those", "what", "which", "who", "whom", "how", "why", "when", "where", "please", "there",
        "here", "so", "just", "some", "any", "hi", "hello", "hey", "thanks",
    ]

    /// The content words of a text, in order: lowercased, punctuation gone, stop words dropped.
    public static func contentWords(of text: String) -> [String] {
        let cleaned = String(text.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " })
        return cleaned.split(separator: " ").map(String.init).filter { !stopWords.contains($0) }
    }

    /// The vector of a text.
    public static func vector(for text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        for word in contentWords(of: text) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in word.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            vector[Int(hash % UInt64(dimensions))] += (hash >> 63) == 0 ? 1 : -1
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else {
            vector[0] = 1
            return vector
        }
        return vector.map { $0 / norm }
    }

    /// A vector as `encoding_format: base64` sends it: packed little-endian float32, base64.
    public static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// The reply body of `POST /v1/embeddings`, as OpenAI writes it.
    static func reply(model: String, inputs: [String], base64: Bool) -> String {
        let data = inputs.enumerated().map { index, text in
            let vector = vector(for: text)
            let embedding = base64 ? "\"\(Self.base64(vector))\"" : "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
            return #"{"object":"embedding","index":\#(index),"embedding":\#(embedding)}"#
        }
        let tokens = inputs.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count }
        return #"{"object":"list","data":["# + data.joined(separator: ",") + #"],"model":"# + JSONText.string(model)
            + #","usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#
    }
}

extension FakeUpstream {
    /// `POST /v1/embeddings`: OpenAI's embeddings, `encoding_format` float (the default) or
    /// base64, under the same scenarios (status, retry_after, fail_first, fail_key, interval,
    /// hang, malformed) as the chat routes.
    func handleEmbeddings(_ incoming: Request, context: FakeContext) async throws -> Response {
        let exchange: OpenAIExchange
        switch try await beginOpenAI(incoming) {
        case .answered(let response): return response
        case .received(let received): exchange = received
        }
        let json = exchange.json
        func invalid(_ message: String, param: String?) -> Response {
            exchange.errorResponse(400, OpenAIFormat.errorBody(message: message, type: "invalid_request_error", param: param, code: nil))
        }
        guard let model = json["model"] as? String else { return invalid("you must provide a model parameter", param: nil) }
        let inputs: [String]
        if let one = json["input"] as? String {
            inputs = [one]
        } else if let list = json["input"] as? [Any], !list.isEmpty, list.allSatisfy({ $0 is String }) {
            inputs = list.compactMap { $0 as? String }
        } else {
            return invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", param: "input")
        }
        let encoding = json["encoding_format"] as? String ?? "float"
        guard encoding == "float" || encoding == "base64" else {
            return invalid("'\(encoding)' is not one of ['float', 'base64'] - 'encoding_format'", param: "encoding_format")
        }
        let scenario: FakeScenario
        do {
            scenario = try self.scenario(for: exchange.request, model: model)
        } catch let parseError {
            return invalid("fake-upstream: \(parseError.description)", param: nil)
        }
        if let status = scenario.status {
            return exchange.errorResponse(status, OpenAIFormat.statusBody(status, model: model, retryAfter: scenario.retryAfter),
                                          retryAfter: scenario.retryAfter)
        }
        try await applyFaultsBeforeResponse(scenario, stream: false, request: exchange.request, context: context, path: exchange.path)
        return try await wholeReply(
            FakeEmbedding.reply(model: model, inputs: inputs, base64: encoding == "base64"), deltaCount: 1,
            headers: exchange.headers(contentType: "application/json"), scenario: scenario, path: exchange.path,
            request: exchange.request, context: context)
    }
}
