import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension FakeUpstream {
    /// The two Gemini methods, named by the path's last segment after the model's colon.
    enum GeminiMethod: String {
        case generateContent
        case streamGenerateContent
    }

    /// `models/{model}:{method}` → the model and the method name. The model may itself hold
    /// colons (`fake:deltas=3`), so the method is what follows the last one. Router patterns
    /// cannot split one segment at a colon, hence the parsing here.
    static func geminiTarget(path: String) -> (model: String, method: String)? {
        guard let segment = path.split(separator: "/").last, let colon = segment.lastIndex(of: ":") else { return nil }
        let model = String(segment[..<colon])
        return (model.removingPercentEncoding ?? model, String(segment[segment.index(after: colon)...]))
    }

    /// `POST /v1beta/models/{model}:generateContent` and `…:streamGenerateContent?alt=sse`.
    func handleGemini(_ incoming: Request, context: FakeContext) async throws -> Response {
        let start = ContinuousClock.now
        let (request, body, path, number) = try await receive(incoming)

        func errorResponse(_ status: Int, _ body: String, retryAfter: String? = nil) -> Response {
            var fields = Self.geminiHeaders(contentType: "application/json; charset=UTF-8", since: start)
            if let retryAfter { fields[Self.field("retry-after")] = retryAfter }
            return fixedResponse(status: status, headers: fields, body: body, path: path)
        }

        guard let target = Self.geminiTarget(path: path), let method = GeminiMethod(rawValue: target.method) else {
            return errorResponse(404, GeminiFormat.errorBody(code: 404, message: "Method not found.", status: "NOT_FOUND"))
        }
        let model = target.model
        let query = Self.queryItems(request.uri.query)
        guard let key = request.headers[Self.field("x-goog-api-key")] ?? query["key"], !key.isEmpty else {
            return errorResponse(403, GeminiFormat.noKey)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            return errorResponse(400, GeminiFormat.errorBody(code: 400, message: "Invalid JSON payload received. Unexpected token.", status: "INVALID_ARGUMENT"))
        }
        guard let contents = json["contents"] as? [[String: Any]], !contents.isEmpty else {
            return errorResponse(400, GeminiFormat.errorBody(code: 400, message: "* GenerateContentRequest.contents: contents is not specified\n", status: "INVALID_ARGUMENT"))
        }
        if contents.contains(where: { ($0["role"] as? String).map { !["user", "model"].contains($0) } ?? false }) {
            return errorResponse(400, GeminiFormat.errorBody(code: 400, message: "Please use a valid role: user, model.", status: "INVALID_ARGUMENT"))
        }
        let scenario: FakeScenario
        do {
            scenario = try self.scenario(for: request, model: model)
        } catch let parseError {
            return errorResponse(400, GeminiFormat.errorBody(code: 400, message: "fake-upstream: \(parseError.description)", status: "INVALID_ARGUMENT"))
        }
        if let status = scenario.status {
            return errorResponse(status, GeminiFormat.statusBody(status, model: model), retryAfter: scenario.retryAfter)
        }

        if scenario.replyForm == .html { return captivePortalPage(path: path) }
        let stream = scenario.replyForm.map { $0 == .stream } ?? (method == .streamGenerateContent)
        if method == .streamGenerateContent, scenario.replyForm == nil, query["alt"] != "sse" {
            // Without alt=sse the API streams one JSON array; nothing here asks for that form.
            return errorResponse(400, GeminiFormat.errorBody(code: 400, message: "fake-upstream: streams are faked with alt=sse only", status: "INVALID_ARGUMENT"))
        }
        try await applyFaultsBeforeResponse(scenario, stream: stream, request: request, context: context, path: path)

        return try await geminiReply(json, contents: contents, model: model, number: number, scenario: scenario, stream: stream,
                                     request: request, context: context, path: path, start: start)
    }

    /// The successful reply to a valid request: streamed or whole, cut at `maxOutputTokens`,
    /// stopped by a filter under `safety`.
    private func geminiReply(
        _ json: [String: Any], contents: [[String: Any]], model: String, number: Int, scenario: FakeScenario, stream: Bool,
        request: Request, context: FakeContext, path: String, start: ContinuousClock.Instant
    ) async throws -> Response {
        var deltas = scenario.deltas
        var finishReason = "STOP"
        let config = json["generationConfig"] as? [String: Any]
        if let max = Self.intValue(config?["maxOutputTokens"]), max >= 0, max < deltas.count {
            deltas = Array(deltas.prefix(max))
            finishReason = "MAX_TOKENS"
        }
        let system = (json["systemInstruction"] as? [String: Any]).map { [$0] } ?? []
        let reply = GeminiReply(
            responseID: GeminiFormat.responseID(requestNumber: number),
            model: model,
            deltas: deltas,
            promptTokens: Self.countGeminiWords(contents + system),
            finishReason: finishReason
        )

        if stream {
            var fields = Self.geminiHeaders(contentType: "text/event-stream", since: start)
            fields[Self.field("content-disposition")] = "attachment"
            return streamResponse(
                plan: GeminiFormat.streamPlan(reply, scenario: scenario), scenario: scenario, headers: fields, path: path, request: request)
        }
        let text = scenario.safety.map { GeminiFormat.safetyResponse(reply, blockedPrompt: $0 == .prompt) } ?? GeminiFormat.response(reply)
        return try await wholeReply(
            text, deltaCount: deltas.count, headers: Self.geminiHeaders(contentType: "application/json; charset=UTF-8", since: start),
            scenario: scenario, path: path, request: request, context: context)
    }

    /// The headers Google's front end sends with every reply.
    static func geminiHeaders(contentType: String, since start: ContinuousClock.Instant) -> HTTPFields {
        let elapsed = ContinuousClock.now - start
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return [
            .contentType: contentType,
            field("vary"): "Origin, X-Origin, Referer",
            field("server"): "scaffolding on HTTPServer2",
            field("x-xss-protection"): "0",
            field("x-frame-options"): "SAMEORIGIN",
            field("x-content-type-options"): "nosniff",
            field("server-timing"): "gfet4t7; dur=\(ms)",
        ]
    }

    /// Whitespace-separated words in the `text` of every part of these `Content`s.
    static func countGeminiWords(_ contents: [[String: Any]]) -> Int {
        contents.flatMap { ($0["parts"] as? [[String: Any]]) ?? [] }
            .compactMap { $0["text"] as? String }
            .reduce(0) { $0 + $1.split(whereSeparator: { $0.isWhitespace }).count }
    }

    /// A query string's items, percent-decoded (the last of a repeated name wins).
    static func queryItems(_ query: String?) -> [String: String] {
        var items: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            items[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return items
    }
}
