import FakeUpstream
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost
@testable import PatchbayServer

/// The semantic cache: a question that means the same is answered by the nearest cached one
/// above the assistant's threshold — with the echo plugin's local embedder, and with the openai
/// plugin's embeddings from the fake upstream.
@Suite("Response cache: semantic lookups", .timeLimit(.minutes(2)))
struct SemanticCacheTests {
    static let echoYAML = """
        providers:
          echo: {plugin: echo}
          scripted: {plugin: minimal-swift}
        assistants:
          loose:
            provider: echo
            model: echo-1
            cache: {exact: false, scope: global, semantic: {embedder: echo, model: echo-embed, threshold: 0.5}}
          strict:
            provider: echo
            model: echo-1
            cache: {scope: global, semantic: {embedder: echo, model: echo-embed, threshold: 0.99}}
          unembedded:
            provider: echo
            model: echo-1
            cache: {scope: global, semantic: {embedder: scripted, model: none}}
        """

    static func ask(_ client: some TestClientProtocol, _ message: String, assistant: String) async throws -> [String: Any] {
        let body = ByteBuffer(string: #"{"message":"\#(message)","model":"\#(assistant)"}"#)
        let response = try await client.execute(uri: "/api/v1/chat/completion", method: .post, headers: [.contentType: "application/json"], body: body)
        #expect(response.status == .ok)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        json["X-Cache-Status"] = response.headers[.xCacheStatus]
        return json
    }

    @Test("echo embedder: a near question hits above the threshold and misses below it; an unrelated one misses")
    func thresholds() async throws {
        let host = try TestHost(yaml: Self.echoYAML)
        let (asked, near) = ("What are your opening hours on Monday?", "What are your opening hours on Sunday?")
        // The pair's similarity, from the embedder itself: between the two thresholds.
        let echo = try #require(host.settings.routes.providers.first { $0.name == "echo" }?.instance)
        let vectors = try await echo.embed(model: "echo-embed", inputs: [asked, near], requestID: "t")
        let similarity = Double(zip(vectors[0], vectors[1]).reduce(0) { $0 + $1.0 * $1.1 })
        #expect(similarity > 0.5 && similarity < 0.99, "\(similarity)")

        try await host.test { client in
            for assistant in ["loose", "strict"] {
                let status1 = try await Self.ask(client, asked, assistant: assistant)["X-Cache-Status"] as? String
                #expect(status1 == "MISS")
            }
            let loose = try await Self.ask(client, near, assistant: "loose")
            #expect(loose["X-Cache-Status"] as? String == "HIT" && loose["cached"] as? Bool == true)
            let score = try #require(loose["similarity_score"] as? Double)
            #expect(abs(score - similarity) < 0.001)
            // Answered with the cached reply: the echo of the first question.
            #expect(loose["response"] as? String == asked)
            let status2 = try await Self.ask(client, near, assistant: "strict")["X-Cache-Status"] as? String
            #expect(status2 == "MISS")
            let status3 = try await Self.ask(client, "Do you ship parcels abroad", assistant: "loose")["X-Cache-Status"] as? String
            #expect(status3 == "MISS")

            let statsBody = try await client.execute(uri: "/api/v1/cache/stats", method: .get).body
            let stats = try #require(try JSONSerialization.jsonObject(with: Data(buffer: statsBody)) as? [String: Any])
            #expect(stats["semantic_hits"] as? Int == 1)
            #expect(stats["hits"] as? Int == 1)
        }
    }

    @Test("an embedder whose plugin cannot embed is a located problem; the assistant answers with its exact cache")
    func embedderThatCannotEmbed() async throws {
        let host = try TestHost(yaml: Self.echoYAML)
        let problem = try #require(host.settings.routes.problems.first)
        #expect(problem.description.hasPrefix("providers.yaml:16:49:"))
        #expect(problem.description.contains("cache.semantic.embedder 'scripted' uses plugin 'minimal-swift', which cannot embed"))
        try await host.test { client in
            let status4 = try await Self.ask(client, "hello", assistant: "unembedded")["X-Cache-Status"] as? String
            #expect(status4 == "MISS")
            let status5 = try await Self.ask(client, "hello", assistant: "unembedded")["X-Cache-Status"] as? String
            #expect(status5 == "HIT")
        }
    }

    static func openAIYAML(port: Int, embedderURL: String? = nil) -> String {
        """
        providers:
          openai: {plugin: openai, base_url: "http://127.0.0.1:\(port)/v1", api_key: "${UPSTREAM_KEY}", max_retries: 0}
          embedder: {plugin: openai, base_url: "\(embedderURL ?? "http://127.0.0.1:\(port)/v1")", api_key: "${UPSTREAM_KEY}", max_retries: 0}
        assistants:
          support:
            provider: openai
            model: gpt-4o-mini
            cache: {scope: global, semantic: {embedder: embedder, model: text-embedding-3-small, threshold: 0.95}}
        """
    }

    @Test("openai embeddings from the fake upstream: a paraphrase hits; another question misses")
    func paraphraseThroughOpenAI() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try TestHost(yaml: Self.openAIYAML(port: port), environment: ["UPSTREAM_KEY": "sk-fake"], plugins: ["OpenAIProvider"])
            try await host.test { client in
                let first = try await Self.ask(client, "How do I reset my password?", assistant: "support")
                #expect(first["X-Cache-Status"] as? String == "MISS")
                let paraphrase = try await Self.ask(client, "how can I reset my password please", assistant: "support")
                #expect(paraphrase["X-Cache-Status"] as? String == "HIT")
                #expect(try #require(paraphrase["similarity_score"] as? Double) >= 0.99)
                #expect(paraphrase["response"] as? String == first["response"] as? String)
                let status6 = try await Self.ask(client, "What is the weather in Paris", assistant: "support")["X-Cache-Status"] as? String
                #expect(status6 == "MISS")
            }
            let paths = upstream.requests.map(\.path)
            #expect(paths.filter { $0 == "/v1/chat/completions" }.count == 2)
            #expect(paths.filter { $0 == "/v1/embeddings" }.count == 3)
            let embedding = try #require(upstream.requests.first { $0.path == "/v1/embeddings" }?.json)
            #expect(embedding["model"] as? String == "text-embedding-3-small")
            #expect(embedding["input"] as? [String] == ["How do I reset my password?"])
        }
    }

    @Test("an embedder that fails makes a miss, logged and counted: the turn is answered all the same")
    func embedderDown() async throws {
        try await FakeUpstream.withRunning { _, port in
            let recorder = LogRecorder()
            let host = try TestHost(yaml: Self.openAIYAML(port: port, embedderURL: "http://127.0.0.1:1/v1"), environment: ["UPSTREAM_KEY": "sk-fake"],
                                    plugins: ["OpenAIProvider"], logger: recorder.logger())
            try await host.test { client in
                // Two questions, so that neither is an exact hit: both look semantically, and both fail to.
                for question in ["How do I reset my password?", "how can I reset my password please"] {
                    let answer = try await Self.ask(client, question, assistant: "support")
                    #expect(answer["X-Cache-Status"] as? String == "MISS")
                    #expect(answer["response"] as? String != nil)
                }
            }
            #expect(recorder.lines.contains { $0.message.hasPrefix("cache: embedding failed") })
            #expect(!recorder.lines.contains { $0.message.contains("sk-fake") })
            let metrics = String(decoding: host.application.metrics.render(), as: UTF8.self)
            #expect(MetricsTests.sample(metrics, #"patchbay_cache_embedding_failures_total{assistant="support"}"#) == 2)
        }
    }
}
