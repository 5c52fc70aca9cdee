import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An OpenAI-style request as both OpenAI handlers (Chat Completions, Responses) begin it:
/// received, its key and JSON checked, with OpenAI's response headers and error responses.
struct OpenAIExchange {
    let request: Request
    let path: String
    let number: Int
    let json: [String: Any]
    let start: ContinuousClock.Instant
    let upstream: FakeUpstream

    /// OpenAI's headers, with the processing time so far.
    func headers(contentType: String, rateLimited: Bool = false) -> HTTPFields {
        FakeUpstream.openAIHeaders(since: start, requestID: "req_fake_\(number)", contentType: contentType, rateLimited: rateLimited)
    }

    /// An error body with OpenAI's headers (`retry-after` when given).
    func errorResponse(_ status: Int, _ body: String, retryAfter: String? = nil) -> Response {
        var fields = headers(contentType: "application/json", rateLimited: status == 429)
        if let retryAfter { fields[FakeUpstream.field("retry-after")] = retryAfter }
        return upstream.fixedResponse(status: status, headers: fields, body: body, path: path)
    }
}

/// How an OpenAI-style request began: ready for its handler, or already answered.
enum OpenAIBeginning {
    case received(OpenAIExchange)
    case answered(Response)
}

extension FakeUpstream {
    /// Receives an OpenAI-style request; one without a key, or whose body is not JSON, is answered
    /// at once as OpenAI answers it.
    func beginOpenAI(_ incoming: Request) async throws -> OpenAIBeginning {
        let start = ContinuousClock.now
        let (request, body, path, number) = try await receive(incoming)
        let answer = OpenAIExchange(request: request, path: path, number: number, json: [:], start: start, upstream: self)
        let token = Self.bearerToken(of: request)
        guard !token.isEmpty else {
            return .answered(answer.errorResponse(401, OpenAIFormat.invalidAPIKey(token)))
        }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            return .answered(answer.errorResponse(400, OpenAIFormat.invalidJSON))
        }
        return .received(OpenAIExchange(request: request, path: path, number: number, json: json, start: start, upstream: self))
    }

    /// `POST /v1/chat/completions`.
    func handleOpenAI(_ incoming: Request, context: FakeContext) async throws -> Response {
        let exchange: OpenAIExchange
        switch try await beginOpenAI(incoming) {
        case .answered(let response): return response
        case .received(let received): exchange = received
        }
        let (request, path, number, json) = (exchange.request, exchange.path, exchange.number, exchange.json)
        func headers(contentType: String) -> HTTPFields { exchange.headers(contentType: contentType) }
        func errorResponse(_ status: Int, _ body: String, retryAfter: String? = nil) -> Response {
            exchange.errorResponse(status, body, retryAfter: retryAfter)
        }

        guard let model = json["model"] as? String else {
            return errorResponse(400, OpenAIFormat.errorBody(message: "you must provide a model parameter", type: "invalid_request_error", code: nil))
        }
        guard let messages = json["messages"] as? [Any] else {
            return errorResponse(
                400,
                OpenAIFormat.errorBody(
                    message: "Missing required parameter: 'messages'.",
                    type: "invalid_request_error",
                    param: "messages",
                    code: "missing_required_parameter"
                )
            )
        }
        let scenario: FakeScenario
        do {
            scenario = try self.scenario(for: request, model: model)
        } catch let parseError {
            return errorResponse(400, OpenAIFormat.errorBody(message: "fake-upstream: \(parseError.description)", type: "invalid_request_error", code: nil))
        }
        if let status = scenario.status {
            return errorResponse(status, OpenAIFormat.statusBody(status, model: model, retryAfter: scenario.retryAfter), retryAfter: scenario.retryAfter)
        }

        if scenario.replyForm == .html { return captivePortalPage(path: path) }
        let stream = scenario.replyForm.map { $0 == .stream } ?? (json["stream"] as? Bool ?? false)
        try await applyFaultsBeforeResponse(scenario, stream: stream, request: request, context: context, path: path)

        var deltas = scenario.deltas
        var finishReason = "stop"
        if let max = Self.intValue(json["max_completion_tokens"]) ?? Self.intValue(json["max_tokens"]), max >= 0, max < deltas.count {
            deltas = Array(deltas.prefix(max))
            finishReason = "length"
        }
        let includeUsage = ((json["stream_options"] as? [String: Any])?["include_usage"] as? Bool) ?? false
        let reply = OpenAIReply(
            id: OpenAIFormat.id(requestNumber: number),
            model: model,
            deltas: deltas,
            promptTokens: Self.countWords(messages: messages, system: nil),
            finishReason: finishReason,
            includeUsage: stream && includeUsage
        )

        if stream {
            return streamResponse(
                plan: OpenAIFormat.streamPlan(reply, scenario: scenario),
                scenario: scenario,
                headers: headers(contentType: "text/event-stream; charset=utf-8"),
                path: path,
                request: request
            )
        }
        return try await wholeReply(
            OpenAIFormat.completion(reply), deltaCount: deltas.count, headers: headers(contentType: "application/json"),
            scenario: scenario, path: path, request: request, context: context)
    }
}

extension FakeUpstream {
    /// The headers api.openai.com sends with every reply (Chat Completions and Responses alike).
    static func openAIHeaders(since start: ContinuousClock.Instant, requestID: String, contentType: String, rateLimited: Bool) -> HTTPFields {
        let elapsed = ContinuousClock.now - start
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return [
            .contentType: contentType,
            field("openai-organization"): "org-fake",
            field("openai-processing-ms"): String(ms),
            field("openai-project"): "proj_fake",
            field("openai-version"): "2020-10-01",
            field("x-ratelimit-limit-requests"): "10000",
            field("x-ratelimit-limit-tokens"): "50000000",
            field("x-ratelimit-remaining-requests"): rateLimited ? "0" : "9999",
            field("x-ratelimit-remaining-tokens"): rateLimited ? "0" : "49999974",
            field("x-ratelimit-reset-requests"): rateLimited ? "20s" : "6ms",
            field("x-ratelimit-reset-tokens"): "0s",
            field("x-request-id"): requestID,
        ]
    }

    /// The bearer token of a request, "" without one.
    static func bearerToken(of request: Request) -> String {
        let authorization = request.headers[.authorization] ?? ""
        return authorization.lowercased().hasPrefix("bearer ")
            ? String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
    }
}
