import CPatchbayPlugin
import FakeUpstream
import Foundation
import PatchbayJSON
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

/// The cosine of two vectors.
func cosine(_ a: [Float], _ b: [Float]) -> Float {
    let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
    return dot / norms
}

/// The L2 norm of a vector.
func norm(_ vector: [Float]) -> Float { vector.reduce(0) { $0 + $1 * $1 }.squareRoot() }

/// A plugin that embeds, as the conformance tests drive it: the C echo plugin, or the Swift
/// OpenAI plugin against the fake upstream.
struct EmbeddingSubject: CustomTestStringConvertible, Sendable {
    var product: String
    var model: String
    var dimensions: Int
    var testDescription: String { product }

    static let echo = EmbeddingSubject(product: "EchoProvider", model: "echo-embed", dimensions: 256)
    static let openAI = EmbeddingSubject(product: "OpenAIProvider", model: "text-embedding-3-small", dimensions: FakeEmbedding.dimensions)

    /// Runs `body` with an instance: the echo plugin at once, the OpenAI one on a fake upstream.
    func withInstance(
        recorder: LogRecorder = LogRecorder(), echoDelay: Int = 0,
        _ body: @Sendable @escaping (ProviderInstance) async throws -> Void
    ) async throws {
        let plugin = try PluginLoader(logger: recorder.logger()).load(path: TestPaths.builtPlugin(product)).get()
        guard product == "OpenAIProvider" else {
            try await body(try plugin.makeInstance(provider: "echo", settingsJSON: #"{"delay_ms":\#(echoDelay)}"#, logger: recorder.logger()))
            return
        }
        try await FakeUpstream.withRunning { _, port in
            let settings = #"{"base_url":"http://127.0.0.1:\#(port)/v1","api_key":"sk-embed-test","max_retries":0}"#
            try await body(try plugin.makeInstance(provider: "openai", settingsJSON: settings, logger: recorder.logger()))
        }
    }
}

@Suite("ABI 1.3 conformance: embeddings through the echo plugin and the OpenAI plugin", .serialized, .timeLimit(.minutes(1)))
struct EmbeddingConformanceTests {
    static let texts = ["How do I reset my password?", "What is the weather in Paris", "how can I reset my password please"]

    @Test("one vector per input, in input order, of the plugin's dimension, L2-normalised, the same every time",
          arguments: [EmbeddingSubject.echo, .openAI])
    func vectors(subject: EmbeddingSubject) async throws {
        try await subject.withInstance { instance in
            #expect(instance.plugin.canEmbed)
            let vectors = try await instance.embed(model: subject.model, inputs: Self.texts, requestID: "r1")
            #expect(vectors.count == 3)
            #expect(vectors.allSatisfy { $0.count == subject.dimensions })
            #expect(vectors.allSatisfy { abs(norm($0) - 1) < 1e-4 })
            // Order: each vector is the one its text gets on its own.
            for (index, text) in Self.texts.enumerated() {
                let alone = try await instance.embed(model: subject.model, inputs: [text], requestID: "r2")
                #expect(alone == [vectors[index]])
            }
            let again = try await instance.embed(model: subject.model, inputs: Self.texts, requestID: "r3")
            #expect(again == vectors)
            #expect(cosine(vectors[0], vectors[1]) < 0.5)
            // Released after the terminal event, off the plugin's thread: soon, not at once.
            try await LiveHTTP.eventually(30) { instance.callsInFlight == 0 }
        }
    }

    @Test("the echo embedding: identical texts give 1, case and punctuation do not count, unrelated texts are far apart")
    func echoSimilarity() async throws {
        try await EmbeddingSubject.echo.withInstance { instance in
            let vectors = try await instance.embed(model: "echo-embed", inputs: [
                "What are your opening hours?", "what are your opening hours", "What are your opening hours?",
                "The cat sat on the mat", "Quarterly revenue grew by ten percent",
            ], requestID: "r")
            #expect(cosine(vectors[0], vectors[2]) > 0.9999)
            #expect(cosine(vectors[0], vectors[1]) >= 0.95)
            #expect(cosine(vectors[3], vectors[4]) < 0.5)
            #expect(cosine(vectors[0], vectors[3]) < 0.5)
        }
    }

    @Test("the fake upstream's paraphrases meet through the OpenAI plugin")
    func openAIParaphrase() async throws {
        try await EmbeddingSubject.openAI.withInstance { instance in
            let vectors = try await instance.embed(model: "text-embedding-3-small", inputs: Self.texts, requestID: "r")
            #expect(cosine(vectors[0], vectors[2]) >= 0.99)
            #expect(cosine(vectors[0], vectors[1]) < 0.5)
            #expect(vectors[0] == FakeEmbedding.vector(for: Self.texts[0]))
        }
    }

    @Test("an empty input list and a non-string input are refused by embed_start, with no event", arguments: [EmbeddingSubject.echo, .openAI])
    func refusals(subject: EmbeddingSubject) async throws {
        let recorder = LogRecorder()
        try await subject.withInstance(recorder: recorder) { instance in
            for input in ["[]", #"["ok", 3]"#] {
                let json = #"{"request_id":"r","model":"\#(subject.model)","input":\#(input)}"#
                let error = #expect(throws: EmbeddingError.self) { try instance.startEmbedding(requestJSON: json) }
                #expect(error?.code == .startRefused && error?.underlying?.status == PATCHBAY_ERR_INVALID_ARGUMENT)
            }
            #expect(instance.callsInFlight == 0)  // refused: nothing was started
            // The host's own API embeds nothing without asking the plugin.
            let none = try await instance.embed(model: subject.model, inputs: [], requestID: "r")
            #expect(none.isEmpty)
        }
        let logged = recorder.lines.map(\.message)
        if subject.product == "EchoProvider" {
            #expect(logged.contains("echo: the embedding request's input is empty"))
            #expect(logged.contains("echo: the embedding request's input holds a value that is not a string"))
        } else {
            #expect(logged.contains { $0.contains("the request's input must be a non-empty array of strings") })
            #expect(logged.contains { $0.contains("the request's input must hold strings only") })
        }
    }

    @Test("cancel before the terminal event ends the call with CANCELLED and no vector")
    func cancelBeforeTerminal() async throws {
        // The echo plugin with a minute's delay, and the OpenAI plugin on a fake upstream that hangs.
        try await EmbeddingSubject.echo.withInstance(echoDelay: 60_000) { instance in
            try await Self.expectCancelled(instance, model: "echo-embed")
        }
        try await EmbeddingSubject.openAI.withInstance { instance in
            try await Self.expectCancelled(instance, model: "fake:hang")
        }
    }

    private static func expectCancelled(_ instance: ProviderInstance, model: String) async throws {
        let call = try instance.startEmbedding(requestJSON: EmbeddingCallRequest(requestID: "c", model: model, input: ["a b"]).json)
        call.cancel()
        call.cancel()  // idempotent
        var events: [PluginEvent] = []
        for await event in call.events { events.append(event) }
        #expect(events.count == 1)
        guard case .failed(let failure) = events.last else {
            Issue.record("expected a CANCELLED failure, got \(events)")
            return
        }
        #expect(failure.code == .cancelled)
        try await LiveHTTP.eventually(30) { instance.callsInFlight == 0 }
    }

    @Test("cancelling the task awaiting embed cancels the plugin's call")
    func taskCancellation() async throws {
        let recorder = LogRecorder()
        try await EmbeddingSubject.echo.withInstance(recorder: recorder, echoDelay: 60_000) { instance in
            let task = Task { try await instance.embed(model: "echo-embed", inputs: ["slow"], requestID: "t") }
            try await LiveHTTP.eventually(30) { instance.callsInFlight == 1 }
            task.cancel()
            let result = await task.result
            guard case .failure(let error) = result, let error = error as? EmbeddingError else {
                Issue.record("expected an EmbeddingError, got \(result)")
                return
            }
            #expect(error.code == .failed && error.failure?.code == .cancelled)
            try await LiveHTTP.eventually(30) { instance.callsInFlight == 0 }
            #expect(recorder.lines.contains { $0.message == "echo: call cancelled after 0 words" })
        }
    }

    @Test("a plugin without embed_start cannot embed: .notSupported, and it still chats")
    func notSupported() async throws {
        let recorder = LogRecorder()
        let plugin = try PluginLoader(logger: recorder.logger()).load(path: TestPaths.builtPlugin("MinimalSwiftProvider")).get()
        #expect(!plugin.canEmbed && plugin.embeddingInconsistency == nil)
        let instance = try plugin.makeInstance(provider: "minimal", settingsJSON: "{}", logger: recorder.logger())
        let error = await #expect(throws: EmbeddingError.self) { try await instance.embed(model: "m", inputs: ["x"], requestID: "r") }
        #expect(error?.code == .notSupported)
    }

    @Test("an upstream error maps as a chat error does: 429 with Retry-After, 401")
    func upstreamErrors() async throws {
        try await EmbeddingSubject.openAI.withInstance { instance in
            for (model, code, status, retryAfter) in [
                ("fake:status=429,retry_after=7", PluginFailure.Code.providerUnavailable, 429, 7000),
                ("fake:status=401", PluginFailure.Code.providerError, 401, nil),
                ("fake:status=500", PluginFailure.Code.providerError, 500, nil),
            ] as [(String, PluginFailure.Code, Int, Int?)] {
                let error = await #expect(throws: EmbeddingError.self) { try await instance.embed(model: model, inputs: ["x"], requestID: "r") }
                #expect(error?.code == .failed)
                #expect(error?.failure?.code == code && error?.failure?.upstreamStatus == status)
                #expect(error?.failure?.retryAfterMilliseconds == retryAfter)
            }
        }
    }
}
