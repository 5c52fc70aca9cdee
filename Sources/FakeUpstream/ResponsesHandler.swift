import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The response ids the fake upstream has issued with `store` on, so that a
/// `previous_response_id` it never issued is refused as OpenAI refuses it.
final class ResponseLedger: Sendable {
    private let ids = Mutex(Set<String>())

    func remember(_ id: String) { _ = ids.withLock { $0.insert(id) } }
    func knows(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }
}

extension FakeUpstream {
    /// `POST /v1/responses`: the OpenAI Responses API, with the same scenarios as Chat Completions.
    func handleResponses(_ incoming: Request, context: FakeContext) async throws -> Response {
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
            return errorResponse(400, OpenAIFormat.errorBody(message: "Missing required parameter: 'model'.", type: "invalid_request_error",
                                                             param: "model", code: "missing_required_parameter"))
        }
        let items: [Any]
        switch json["input"] {
        case let text as String: items = [["role": "user", "content": text]]
        case let list as [Any]: items = list
        default:
            return errorResponse(400, OpenAIFormat.errorBody(message: "Missing required parameter: 'input'.", type: "invalid_request_error",
                                                             param: "input", code: "missing_required_parameter"))
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
        let previous = json["previous_response_id"] as? String
        if let previous, !responseLedger.knows(previous) {
            return errorResponse(400, ResponsesFormat.previousResponseNotFound(previous))
        }

        if scenario.replyForm == .html { return captivePortalPage(path: path) }
        let stream = scenario.replyForm.map { $0 == .stream } ?? (json["stream"] as? Bool ?? false)
        try await applyFaultsBeforeResponse(scenario, stream: stream, request: request, context: context, path: path)

        var deltas = scenario.deltas
        let maxOutputTokens = Self.intValue(json["max_output_tokens"])
        var truncated = false
        if let max = maxOutputTokens, max >= 0, max < deltas.count {
            deltas = Array(deltas.prefix(max))
            truncated = true
        }
        let instructions = json["instructions"] as? String
        let store = json["store"] as? Bool ?? true
        let reply = ResponsesReply(
            id: ResponsesFormat.id(requestNumber: number), messageID: ResponsesFormat.messageID(requestNumber: number),
            model: model, deltas: deltas, inputTokens: Self.countWords(messages: items, system: instructions),
            instructions: instructions, previousResponseID: previous, maxOutputTokens: maxOutputTokens, store: store,
            temperature: json["temperature"] as? Double, topP: json["top_p"] as? Double, truncated: truncated
        )
        if store { responseLedger.remember(reply.id) }

        if stream {
            return streamResponse(
                plan: ResponsesFormat.streamPlan(reply, scenario: scenario),
                scenario: scenario,
                headers: headers(contentType: "text/event-stream; charset=utf-8"),
                path: path,
                request: request
            )
        }
        return try await wholeReply(
            ResponsesFormat.response(reply), deltaCount: deltas.count, headers: headers(contentType: "application/json"),
            scenario: scenario, path: path, request: request, context: context)
    }
}
