import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension FakeUpstream {
    /// `POST /v1/messages`.
    func handleAnthropic(_ incoming: Request, context: FakeContext) async throws -> Response {
        let (request, body, path, number) = try await receive(incoming)
        let requestID = "req_fake_\(number)"

        func headers(contentType: String, rateLimited: Bool = false) -> HTTPFields {
            [
                .contentType: contentType,
                Self.field("request-id"): requestID,
                Self.field("anthropic-organization-id"): "00000000-0000-0000-0000-000000000000",
                Self.field("anthropic-ratelimit-requests-limit"): "50",
                Self.field("anthropic-ratelimit-requests-remaining"): rateLimited ? "0" : "49",
                Self.field("anthropic-ratelimit-requests-reset"): "2023-11-14T22:13:20Z",
                Self.field("anthropic-ratelimit-tokens-limit"): "50000",
                Self.field("anthropic-ratelimit-tokens-remaining"): rateLimited ? "0" : "50000",
                Self.field("anthropic-ratelimit-tokens-reset"): "2023-11-14T22:13:20Z",
            ]
        }
        func errorResponse(_ status: Int, type: String, message: String, retryAfter: String? = nil) -> Response {
            var fields = headers(contentType: "application/json", rateLimited: status == 429)
            if let retryAfter { fields[Self.field("retry-after")] = retryAfter }
            return fixedResponse(
                status: status,
                headers: fields,
                body: AnthropicFormat.errorBody(type: type, message: message, requestID: requestID),
                path: path
            )
        }

        guard let key = request.headers[Self.field("x-api-key")], !key.trimmingCharacters(in: .whitespaces).isEmpty else {
            return errorResponse(401, type: "authentication_error", message: "x-api-key header is required")
        }
        guard let version = request.headers[Self.field("anthropic-version")], !version.isEmpty else {
            return errorResponse(400, type: "invalid_request_error", message: "anthropic-version: header is required")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            return errorResponse(
                400,
                type: "invalid_request_error",
                message: "There was an error parsing the body of your request. Please make sure it is valid JSON."
            )
        }
        guard let model = json["model"] as? String else {
            return errorResponse(400, type: "invalid_request_error", message: "model: Field required")
        }
        guard let messages = json["messages"] as? [Any] else {
            return errorResponse(400, type: "invalid_request_error", message: "messages: Field required")
        }
        guard json["max_tokens"] != nil else {
            return errorResponse(400, type: "invalid_request_error", message: "max_tokens: Field required")
        }
        guard let maxTokens = Self.intValue(json["max_tokens"]), maxTokens >= 1 else {
            return errorResponse(400, type: "invalid_request_error", message: "max_tokens: Input should be a valid integer greater than or equal to 1")
        }
        let scenario: FakeScenario
        do {
            scenario = try self.scenario(for: request, model: model)
        } catch let parseError {
            return errorResponse(400, type: "invalid_request_error", message: "fake-upstream: \(parseError.description)")
        }
        if let status = scenario.status {
            let (type, message) = AnthropicFormat.statusError(status, model: model)
            return errorResponse(status, type: type, message: message, retryAfter: scenario.retryAfter)
        }

        if scenario.replyForm == .html { return captivePortalPage(path: path) }
        let stream = scenario.replyForm.map { $0 == .stream } ?? (json["stream"] as? Bool ?? false)
        try await applyFaultsBeforeResponse(scenario, stream: stream, request: request, context: context, path: path)

        var deltas = scenario.deltas
        var stopReason = "end_turn"
        if maxTokens < deltas.count {
            deltas = Array(deltas.prefix(maxTokens))
            stopReason = "max_tokens"
        }
        let reply = AnthropicReply(
            id: AnthropicFormat.id(requestNumber: number),
            model: model,
            deltas: deltas,
            inputTokens: Self.countWords(messages: messages, system: json["system"]),
            stopReason: stopReason
        )

        if stream {
            var fields = headers(contentType: "text/event-stream; charset=utf-8")
            fields[.cacheControl] = "no-cache"
            return streamResponse(
                plan: AnthropicFormat.streamPlan(reply, scenario: scenario),
                scenario: scenario,
                headers: fields,
                path: path,
                request: request
            )
        }
        return try await wholeReply(
            AnthropicFormat.message(reply), deltaCount: deltas.count, headers: headers(contentType: "application/json"),
            scenario: scenario, path: path, request: request, context: context)
    }
}
