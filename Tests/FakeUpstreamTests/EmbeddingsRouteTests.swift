import FakeUpstream
import Foundation
import NIOCore
import Testing

private func embeddings(_ port: Int, scenario: String? = nil, key: String = "sk-test-key", body: String) async throws -> RawResponse {
    var headers = [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")]
    if let scenario { headers.append(("X-Fake-Scenario", scenario)) }
    return try await RawHTTP.send(port: port, path: "/v1/embeddings", headers: headers, body: body)
}

private func body(_ inputs: [String], encoding: String? = nil, model: String = "text-embedding-3-small") -> String {
    let input = "[" + inputs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    return #"{"model":"\#(model)","input":\#(input)"# + (encoding.map { #","encoding_format":"\#($0)""# } ?? "") + "}"
}

/// The `data[i].embedding` arrays of a float reply, by index.
private func floatVectors(_ response: RawResponse) throws -> [[Float]] {
    let data = try #require(response.json?["data"] as? [[String: Any]])
    return try data.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }.map { item in
        try #require(item["embedding"] as? [NSNumber]).map(\.floatValue)
    }
}

private func cosine(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        / (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
}

@Suite("Fake upstream: OpenAI embeddings", .timeLimit(.minutes(2)))
struct EmbeddingsRouteTests {
    static let password = "How do I reset my password?"
    static let paraphrase = "how can I reset my password please"
    static let weather = "What is the weather in Paris"

    @Test("float vectors, one per input by index, of 64 dimensions, normalised, with usage")
    func floats() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await embeddings(port, body: body([Self.password, Self.paraphrase, Self.weather]))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(response.json?["object"] as? String == "list")
            #expect(response.json?["model"] as? String == "text-embedding-3-small")
            let usage = try #require(response.json?["usage"] as? [String: Any])
            #expect(usage["prompt_tokens"] as? Int == 6 + 7 + 6 && usage["total_tokens"] as? Int == 19)
            let vectors = try floatVectors(response)
            #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == FakeEmbedding.dimensions })
            #expect(vectors.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 })
            #expect(vectors[0] == FakeEmbedding.vector(for: Self.password))
            #expect(cosine(vectors[0], vectors[1]) >= 0.99)
            #expect(cosine(vectors[0], vectors[2]) < 0.5)
            #expect(cosine(vectors[1], vectors[2]) < 0.5)
        }
    }

    @Test("base64: packed little-endian float32, the same numbers as float")
    func base64() async throws {
        try await FakeUpstream.withRunning { _, port in
            let response = try await embeddings(port, body: body([Self.password, Self.weather], encoding: "base64"))
            #expect(response.status == 200)
            let data = try #require(response.json?["data"] as? [[String: Any]])
            for (index, text) in [Self.password, Self.weather].enumerated() {
                let encoded = try #require(data[index]["embedding"] as? String)
                let bytes = try #require(Data(base64Encoded: encoded))
                #expect(bytes.count == FakeEmbedding.dimensions * 4)
                let vector = stride(from: 0, to: bytes.count, by: 4).map { offset -> Float in
                    var bits: UInt32 = 0
                    for byte in (0..<4).reversed() { bits = bits << 8 | UInt32(bytes[offset + byte]) }   // little-endian
                    return Float(bitPattern: bits)
                }
                #expect(vector == FakeEmbedding.vector(for: text))
            }
        }
    }

    @Test("a string input is one input; an empty list, a non-string, an unknown encoding and no key are refused as OpenAI does")
    func refusals() async throws {
        try await FakeUpstream.withRunning { _, port in
            let one = try await embeddings(port, body: #"{"model":"m","input":"just one"}"#)
            #expect(try floatVectors(one).count == 1)
            for bad in [#"{"model":"m","input":[]}"#, #"{"model":"m","input":["a",3]}"#] {
                let response = try await embeddings(port, body: bad)
                #expect(response.status == 400)
                #expect((response.json?["error"] as? [String: Any])?["param"] as? String == "input")
            }
            let encoding = try await embeddings(port, body: body(["a"], encoding: "int8"))
            #expect(encoding.status == 400)
            let anonymous = try await embeddings(port, key: "", body: body(["a"]))
            #expect(anonymous.status == 401)
        }
    }

    @Test("the scenario's faults apply: 429 with Retry-After, then the plain reply after fail_first")
    func faults() async throws {
        try await FakeUpstream.withRunning { _, port in
            let limited = try await embeddings(port, scenario: "status=429,retry_after=3", body: body(["a"]))
            #expect(limited.status == 429)
            #expect(limited.header("retry-after") == "3")
            // fail_first counts the requests for one model: a model of their own.
            let first = try await embeddings(port, scenario: "fail_first=1", body: body(["a"], model: "sequence-1"))
            let second = try await embeddings(port, scenario: "fail_first=1", body: body(["a"], model: "sequence-1"))
            #expect(first.status == 500 && second.status == 200)
        }
    }

    @Test("stop words, case and punctuation do not count; no content word gives the unit vector of dimension 0")
    func model() {
        #expect(FakeEmbedding.contentWords(of: Self.password) == ["reset", "password"])
        #expect(FakeEmbedding.contentWords(of: Self.paraphrase) == ["reset", "password"])
        let empty = FakeEmbedding.vector(for: "How do I?")
        #expect(empty[0] == 1 && empty.dropFirst().allSatisfy { $0 == 0 })
    }
}
