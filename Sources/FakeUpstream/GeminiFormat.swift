// The Google Gemini API wire format (generateContent, streamGenerateContent), as the fake
// upstream writes it.
//
// Follows the Gemini API reference "Generating content"
// (https://ai.google.dev/api/generate-content: `POST /v1beta/models/{model}:generateContent`
// and `:streamGenerateContent?alt=sse`, the GenerateContentResponse with `candidates`,
// `promptFeedback.blockReason`, `usageMetadata`, `modelVersion`, `responseId`; finish reasons
// STOP, MAX_TOKENS, SAFETY, …) and "Troubleshooting" (https://ai.google.dev/gemini-api/docs/troubleshooting:
// error bodies `{"error":{"code","message","status"}}`, 400 INVALID_ARGUMENT, 403
// PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE,
// 504 DEADLINE_EXCEEDED).
// Bytes as the API sends them:
// - stream events: `data: {…}\r\n\r\n`, the JSON in Google's compact style — `": "` after each
//   key, members joined by a bare `,` (`{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0}]}`);
//   every chunk carries the usage so far; the last one has the finish reason;
// - a mid-stream error is the error body itself, pretty-printed, with no `data:` prefix (the
//   google-genai SDKs read it by counting braces), and the response ends;
// - whole replies and error bodies: pretty-printed with two spaces and a final newline.
// Deterministic where the real API is not: response ids count requests.

import PatchbayJSON

struct GeminiReply: Sendable {
    var responseID: String
    var model: String
    var deltas: [String]
    var promptTokens: Int
    var finishReason: String

    var candidatesTokens: Int { deltas.count }
}

enum GeminiFormat {
    static func responseID(requestNumber: Int) -> String { "fake-response-\(requestNumber)" }

    // MARK: Streaming

    static func event(_ json: String) -> String { "data: \(json)\r\n\r\n" }

    /// `usageMetadata` after `candidates` tokens (nil: the prompt's alone, as before any text).
    static func compactUsage(_ reply: GeminiReply, candidates: Int?) -> String {
        let total = reply.promptTokens + (candidates ?? 0)
        return "{\"promptTokenCount\": \(reply.promptTokens),"
            + (candidates.map { "\"candidatesTokenCount\": \($0)," } ?? "")
            + "\"totalTokenCount\": \(total),\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": \(reply.promptTokens)}]}"
    }

    static func compactTail(_ reply: GeminiReply) -> String {
        ",\"modelVersion\": \(JSONText.string(reply.model)),\"responseId\": \(JSONText.string(reply.responseID))}"
    }

    static func chunk(_ reply: GeminiReply, text: String, finishReason: String?, candidates: Int) -> String {
        event(
            "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \(JSONText.string(text))}],\"role\": \"model\"},"
                + (finishReason.map { "\"finishReason\": \(JSONText.string($0))," } ?? "")
                + "\"index\": 0}],\"usageMetadata\": \(compactUsage(reply, candidates: candidates))" + compactTail(reply)
        )
    }

    /// The broken event `malformed` inserts: a chunk whose JSON stops short.
    static let malformedEvent = event("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"oops\"")

    /// What `error_event` sends mid-stream: the error body, bare, as the API writes it.
    static let errorEvent = errorBody(code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE")

    static let safetyRatings =
        "[{\"category\": \"HARM_CATEGORY_SEXUALLY_EXPLICIT\",\"probability\": \"NEGLIGIBLE\"},"
        + "{\"category\": \"HARM_CATEGORY_HATE_SPEECH\",\"probability\": \"NEGLIGIBLE\"},"
        + "{\"category\": \"HARM_CATEGORY_HARASSMENT\",\"probability\": \"HIGH\",\"blocked\": true},"
        + "{\"category\": \"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\": \"NEGLIGIBLE\"}]"

    /// `safety`: the candidate stopped by the safety filters, without content.
    static func safetyChunk(_ reply: GeminiReply, candidates: Int) -> String {
        event(
            "{\"candidates\": [{\"finishReason\": \"SAFETY\",\"index\": 0,\"safetyRatings\": \(safetyRatings)}],"
                + "\"usageMetadata\": \(compactUsage(reply, candidates: candidates))" + compactTail(reply)
        )
    }

    /// `safety=prompt`: the prompt blocked, no candidate at all.
    static func blockedPromptChunk(_ reply: GeminiReply) -> String {
        event(
            "{\"promptFeedback\": {\"blockReason\": \"SAFETY\",\"safetyRatings\": \(safetyRatings)},"
                + "\"usageMetadata\": \(compactUsage(reply, candidates: nil))" + compactTail(reply)
        )
    }

    static func streamPlan(_ reply: GeminiReply, scenario: FakeScenario) -> StreamPlan {
        if scenario.safety == .prompt {
            return StreamPlan(frames: [Frame(blockedPromptChunk(reply))], ending: .finish)
        }
        // A safety stop after the first delta takes the place of the error event.
        var layout = scenario
        if scenario.safety == .reply { layout.errorEvent = true }
        var sent = 0
        return StreamPlan.make(
            scenario: layout,
            deltas: reply.deltas,
            preamble: [],
            delta: { text in
                sent += 1
                return chunk(reply, text: text, finishReason: nil, candidates: sent)
            },
            between: nil,
            malformed: malformedEvent,
            errorEvent: scenario.safety == .reply ? safetyChunk(reply, candidates: 1) : errorEvent,
            tail: [chunk(reply, text: "", finishReason: reply.finishReason, candidates: reply.candidatesTokens)]
        )
    }

    // MARK: Non-streaming

    static func usage(_ reply: GeminiReply, candidates: Int?) -> String {
        """
          "usageMetadata": {
            "promptTokenCount": \(reply.promptTokens),
        \(candidates.map { "    \"candidatesTokenCount\": \($0),\n" } ?? "")    "totalTokenCount": \(reply.promptTokens + (candidates ?? 0)),
            "promptTokensDetails": [
              {
                "modality": "TEXT",
                "tokenCount": \(reply.promptTokens)
              }
            ]
          },
          "modelVersion": \(JSONText.string(reply.model)),
          "responseId": \(JSONText.string(reply.responseID))
        }

        """
    }

    static func response(_ reply: GeminiReply) -> String {
        """
        {
          "candidates": [
            {
              "content": {
                "parts": [
                  {
                    "text": \(JSONText.string(reply.deltas.joined()))
                  }
                ],
                "role": "model"
              },
              "finishReason": \(JSONText.string(reply.finishReason)),
              "index": 0
            }
          ],

        """ + usage(reply, candidates: reply.candidatesTokens)
    }

    /// A whole reply under `safety` (the candidate stopped, no content) or `safety=prompt`.
    static func safetyResponse(_ reply: GeminiReply, blockedPrompt: Bool) -> String {
        if blockedPrompt {
            return """
                {
                  "promptFeedback": {
                    "blockReason": "SAFETY",
                    "safetyRatings": [
                      {
                        "category": "HARM_CATEGORY_HARASSMENT",
                        "probability": "HIGH",
                        "blocked": true
                      }
                    ]
                  },

                """ + usage(reply, candidates: nil)
        }
        return """
            {
              "candidates": [
                {
                  "finishReason": "SAFETY",
                  "index": 0,
                  "safetyRatings": [
                    {
                      "category": "HARM_CATEGORY_HARASSMENT",
                      "probability": "HIGH",
                      "blocked": true
                    }
                  ]
                }
              ],

            """ + usage(reply, candidates: 0)
    }

    // MARK: Errors

    /// An API error body (two-space pretty-printed, final newline).
    static func errorBody(code: Int, message: String, status: String) -> String {
        """
        {
          "error": {
            "code": \(code),
            "message": \(JSONText.string(message)),
            "status": \(JSONText.string(status))
          }
        }

        """
    }

    /// The body Gemini sends with `status` (for the `status=` scenario).
    static func statusBody(_ status: Int, model: String) -> String {
        switch status {
        case 400: return errorBody(code: 400, message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT")
        case 401:
            return errorBody(code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED")
        case 403: return errorBody(code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED")
        case 404:
            return errorBody(
                code: 404,
                message: "models/\(model) is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
                status: "NOT_FOUND")
        case 429:
            return errorBody(
                code: 429,
                message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
                status: "RESOURCE_EXHAUSTED")
        case 503: return errorBody(code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE")
        case 504: return errorBody(code: 504, message: "Deadline expired before operation could complete.", status: "DEADLINE_EXCEEDED")
        case 400..<500: return errorBody(code: status, message: "Request failed with status \(status) (fake upstream).", status: "FAILED_PRECONDITION")
        default:
            return errorBody(
                code: status,
                message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
                status: "INTERNAL")
        }
    }

    /// What the API answers a request with no key.
    static let noKey = errorBody(
        code: 403,
        message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        status: "PERMISSION_DENIED")
}
