import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension FakeUpstream {
    /// `POST /v1/chat/completions`.
    func handleOpenAI(_ incoming: Request, context: FakeContext) async throws -> Response {
        let start = ContinuousClock.now
        let (request, body, path, number) = try await receive(incoming)
        let requestID = "req_fake_\(number)"

        func headers(contentType: String, rateLimited: Bool = false) -> HTTPFields {
            Self.openAIHeaders(since: start, requestID: requestID, contentType: contentType, rateLimited: rateLimited)
        }
        func errorResponse(_ status: Int, _ body: String, retryAfter: String? = nil) -> Response {
            var fields = headers(contentType: "application/json", rateLimited: status == 429)
            if let retryAfter { fields[Self.field("retry-after")] = retryAfter }
            return fixedResponse(status: status, headers: fields, body: body, path: path)
        }

        let token = Self.bearerToken(of: request)
        guard !token.isEmpty else {
            return errorResponse(401, OpenAIFormat.invalidAPIKey(token))
        }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            return errorResponse(400, OpenAIFormat.invalidJSON)
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
        if scenario.intervalMilliseconds > 0 {
            try await waitBeforeResponding(request, context: context, duration: .milliseconds(scenario.intervalMilliseconds * deltas.count), path: path)
        }
        var bytes = Array(OpenAIFormat.completion(reply).utf8)
        if scenario.malformed { bytes = Array(bytes.prefix(bytes.count / 2)) }
        return fixedResponse(status: 200, headers: headers(contentType: "application/json"), bytes: bytes, path: path, splitBytes: scenario.splitBytes)
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
