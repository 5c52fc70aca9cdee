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
        var turns: [(role: String, text: String)] = []
        for message in request.messages where message.role != "system" {
            let role = message.role == "assistant" ? "model" : "user"
            // Turns should alternate: consecutive same-role messages are merged, as for Anthropic.
            if turns.last?.role == role {
                turns[turns.count - 1].text += "\n\n" + message.content
            } else {
                turns.append((role, message.content))
            }
        }
        // Written straight as text, members in sorted order (no Foundation JSON per turn).
        var json = #"{"contents":["#
        json += turns.map { #"{"parts":[{"text":"# + JSONText.string($0.text) + #"}],"role":""# + $0.role + #""}"# }
            .joined(separator: ",")
        json += "]"
        var config: [String] = []
        if let maxTokens = request.maxTokens { config.append(#""maxOutputTokens":\#(maxTokens)"#) }
        if let stop = request.stop, !stop.isEmpty { config.append(#""stopSequences":"# + JSONText.array(stop)) }
        if let temperature = request.temperature { config.append(#""temperature":"# + JSONText.number(temperature)) }
        if let topP = request.topP { config.append(#""topP":"# + JSONText.number(topP)) }
        if !config.isEmpty { json += #","generationConfig":{"# + config.joined(separator: ",") + "}" }
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { json += #","systemInstruction":{"parts":[{"text":"# + JSONText.string(system) + "}]}" }
        json += "}"

        let model = request.model.addingPercentEncoding(withAllowedCharacters: Self.modelCharacters) ?? request.model
        let method = request.stream ? "streamGenerateContent?alt=sse" : "generateContent"
        let headers: HTTPHeaders = [
            "x-goog-api-key": upstream.apiKey,
            "Content-Type": "application/json",
            "Accept": request.stream ? "text/event-stream" : "application/json",
        ]
        return HTTPRequest(
            method: "POST", url: "\(upstream.baseURL)/v1beta/models/\(model):\(method)", headers: headers,
            body: Array(json.utf8)
        )
    }

    func makeDecoder(for request: ChatCallRequest) -> GeminiReplyDecoder { GeminiReplyDecoder() }

    func errorDescription(status: Int, body: [UInt8]) -> String {
        guard let error = (try? JSONValue.parse(body))?["error"], error.object != nil else {
            return "Gemini answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return "Gemini answered \(status): \(error["message"]?.string ?? "(no message)") (\(error["status"]?.string ?? "error"))"
    }
}
