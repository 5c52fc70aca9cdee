import Foundation
import PatchbayPluginKit

/// The Gemini API on the wire: `POST {base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse`
/// (or `:generateContent` for a whole reply), the key in `x-goog-api-key`; the system text in
/// `systemInstruction`, turns in `contents` with the roles `user` and `model`, sampling in
/// `generationConfig`; replies are `GenerateContentResponse`s (one per SSE event when
/// streamed), error bodies `{"error":{"code","message","status"}}`.
struct GeminiWireFormat: UpstreamWireFormat {
    let upstream: UpstreamSettings

    /// What a model name may keep in a path segment: RFC 3986's `pchar` less `%` (a model such
    /// as `fake:deltas=3` keeps its colon and `=`; anything else is percent-encoded).
    private static let modelCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@")

    init(_ settings: PluginSettings) throws {
        try UpstreamSettings.refuseUnknownKeys(settings, known: GeminiPlugin.knownKeys)
        upstream = try UpstreamSettings(settings, defaultBaseURL: "https://generativelanguage.googleapis.com")
    }

    func makeRequest(for request: ChatCallRequest) throws -> HTTPRequest {
        // The assistant's prompt, then any system messages the client sent: Gemini takes system
        // text apart from the turns, and only user and model turns in `contents`.
        let systemParts = [request.system].compactMap { $0 } + request.messages.filter { $0.role == "system" }.map(\.content)
        var contents: [[String: Any]] = []
        var lastRole: String?
        for message in request.messages where message.role != "system" {
            let role = message.role == "assistant" ? "model" : "user"
            // Turns should alternate: consecutive same-role messages are merged, as for Anthropic.
            if role == lastRole, var parts = contents[contents.count - 1]["parts"] as? [[String: String]], let text = parts.last?["text"] {
                parts[parts.count - 1]["text"] = text + "\n\n" + message.content
                contents[contents.count - 1]["parts"] = parts
            } else {
                contents.append(["role": role, "parts": [["text": message.content]]])
            }
            lastRole = role
        }
        var body: [String: Any] = ["contents": contents]
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { body["systemInstruction"] = ["parts": [["text": system]]] }
        var config: [String: Any] = [:]
        if let temperature = request.temperature { config["temperature"] = temperature }
        if let topP = request.topP { config["topP"] = topP }
        if let maxTokens = request.maxTokens { config["maxOutputTokens"] = maxTokens }
        if let stop = request.stop, !stop.isEmpty { config["stopSequences"] = stop }
        if !config.isEmpty { body["generationConfig"] = config }

        let model = request.model.addingPercentEncoding(withAllowedCharacters: Self.modelCharacters) ?? request.model
        let method = request.stream ? "streamGenerateContent?alt=sse" : "generateContent"
        let headers: HTTPHeaders = [
            "x-goog-api-key": upstream.apiKey,
            "Content-Type": "application/json",
            "Accept": request.stream ? "text/event-stream" : "application/json",
        ]
        return HTTPRequest(
            method: "POST", url: "\(upstream.baseURL)/v1beta/models/\(model):\(method)", headers: headers,
            body: Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]))
        )
    }

    func makeDecoder(for request: ChatCallRequest) -> GeminiReplyDecoder { GeminiReplyDecoder() }

    func errorDescription(status: Int, body: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let error = object["error"] as? [String: Any] else {
            return "Gemini answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return "Gemini answered \(status): \(error["message"] as? String ?? "(no message)") (\(error["status"] as? String ?? "error"))"
    }
}
