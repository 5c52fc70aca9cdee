import Foundation

/// What the fake upstream does with one request: the shape of its reply and the faults to inject.
///
/// A scenario is written as comma-separated items, each `key=value` or a bare flag. It comes
/// from the `X-Fake-Scenario` request header if present, else from the request's `model` when
/// that starts with `fake:` (e.g. `"model": "fake:deltas=64,interval=20"`), else it is the
/// default (empty) scenario: the reply is sent at once, streamed or not as the request asks.
///
/// Shape:
/// - `text=T`: the reply text (percent-decoded, so `%2C` is a comma). Split into deltas at word
///   starts: `"Hello from"` → `"Hello"`, `" from"`. Default `Hello from the fake upstream.`,
///   or `Héllo wörld 👋 from the fake upstream.` under `split`.
/// - `deltas=N`: exactly N deltas, cycling through the words of the text.
/// - `interval=M`: wait M ms before each delta, the first one included (non-streaming: wait
///   M ms × deltas before answering).
/// - `split` or `split=B`: write the stream in pieces of B bytes (default 7), also cutting right
///   after the first byte of every multi-byte UTF-8 character; each piece is its own write (one
///   HTTP chunk). `interval` still paces deltas (the wait comes before the piece where a
///   delta's event begins).
/// - `ping` (Anthropic): a `ping` event between every two deltas (one `ping` after
///   `content_block_start` is always sent, as the API does).
/// - `reply=json|stream|html`: answer in that form whatever the request asked, as compatible
///   servers and proxies do: `json` a whole reply (`application/json`) to a streamed request,
///   `stream` an event stream to a non-streamed one, `html` a 200 `text/html` page (a captive
///   portal, a misrouted base URL).
///
/// Faults:
/// - `status=S`: answer with HTTP status S and the provider's error body for it.
/// - `retry_after=R`: add `retry-after: R` to that error response.
/// - `fail_first=N`: apply the faults only to the first N requests that carry the same
///   `X-Fake-Sequence` header value (or the same model string when there is no such header);
///   later ones get the plain reply. With no other fault, the fault is `status=500`.
/// - `fail_key=K`: apply the faults only to requests made with the API key K (the `Bearer`
///   token, `x-api-key` or `x-goog-api-key`); requests with any other key get the plain reply. With no other
///   fault, the fault is `status=500`. Combines with `fail_first` (which then counts only K's requests).
/// - `hang`: send nothing, not even a status line, until the client goes away.
/// - `hang_after=K`: stream K deltas, then stall until the client goes away.
/// - `drop_after=K`: stream K deltas, then close the connection (no final chunk, no `[DONE]`).
/// - `malformed`: after the first delta, one event whose JSON is cut short; then carry on.
/// - `error_event`: after the first delta, the provider's mid-stream error event, then end the
///   response (Anthropic: `event: error` with `overloaded_error`; OpenAI: `data: {"error":…}`;
///   Gemini: its 503 error body, bare, with no `data:` prefix; OpenAI Responses: `event: error`
///   then `event: response.failed`).
/// - `safety` or `safety=reply` (Gemini): after the first delta, a candidate stopped with
///   `finishReason: SAFETY`, then end the response; `safety=prompt`: the prompt is blocked
///   (`promptFeedback.blockReason: SAFETY`) before any text. Without streaming, the whole reply
///   says the same. The other formats ignore it.
///
/// The Responses API (`POST /v1/responses`) also refuses, with OpenAI's 400
/// `previous_response_not_found`, a `previous_response_id` that this fake upstream did not issue
/// (with `store` on) since it started.
public struct FakeScenario: Sendable, Equatable {
    public var text: String?
    public var deltaCount: Int?
    public var intervalMilliseconds: Int = 0
    public var splitBytes: Int?
    public var ping = false
    /// The reply's form when the scenario overrides the request's `stream`.
    public var replyForm: ReplyForm?

    /// A reply's form on the wire.
    public enum ReplyForm: String, Sendable, Equatable {
        /// One whole JSON reply.
        case json
        /// An SSE event stream.
        case stream
        /// A 200 HTML page, neither of the above.
        case html
    }

    public var status: Int?
    public var retryAfter: String?
    public var failFirst: Int?
    public var failKey: String?
    public var hang = false
    public var hangAfter: Int?
    public var dropAfter: Int?
    public var malformed = false
    public var errorEvent = false
    /// Where Gemini's safety filters stop the reply, if they do.
    public var safety: SafetyStop?

    /// Where a safety filter stops a reply (scenario `safety`).
    public enum SafetyStop: String, Sendable, Equatable {
        /// After the first delta: the candidate ends with `finishReason: SAFETY`.
        case reply
        /// Before any text: the prompt is blocked.
        case prompt
    }

    public static let defaultText = "Hello from the fake upstream."
    public static let defaultSplitText = "Héllo wörld 👋 from the fake upstream."
    public static let defaultSplitBytes = 7

    public init() {}

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses the scenario syntax described on the type.
    public static func parse(_ spec: String) throws(ParseError) -> FakeScenario {
        var scenario = FakeScenario()
        for rawItem in spec.split(separator: ",", omittingEmptySubsequences: true) {
            let item = rawItem.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            let key: String
            let value: String?
            if let eq = item.firstIndex(of: "=") {
                key = String(item[..<eq])
                value = String(item[item.index(after: eq)...])
            } else {
                key = item
                value = nil
            }
            func int(min: Int = 0) throws(ParseError) -> Int {
                guard let value, let n = Int(value), n >= min else {
                    throw ParseError(description: "scenario key '\(key)' needs an integer ≥ \(min)")
                }
                return n
            }
            func flag() throws(ParseError) {
                if value != nil { throw ParseError(description: "scenario flag '\(key)' takes no value") }
            }
            switch key {
            case "text":
                guard let value else { throw ParseError(description: "scenario key 'text' needs a value") }
                scenario.text = value.removingPercentEncoding ?? value
            case "deltas": scenario.deltaCount = try int(min: 1)
            case "interval": scenario.intervalMilliseconds = try int()
            case "split": scenario.splitBytes = value == nil ? defaultSplitBytes : try int(min: 1)
            case "ping": try flag(); scenario.ping = true
            case "reply":
                guard let value, let form = ReplyForm(rawValue: value) else {
                    throw ParseError(description: "scenario key 'reply' needs json, stream or html")
                }
                scenario.replyForm = form
            case "status":
                let s = try int(min: 100)
                guard (400...599).contains(s) else { throw ParseError(description: "scenario status must be 400…599") }
                scenario.status = s
            case "retry_after":
                guard let value, !value.isEmpty else { throw ParseError(description: "scenario key 'retry_after' needs a value") }
                scenario.retryAfter = value
            case "fail_first": scenario.failFirst = try int()
            case "fail_key":
                guard let value, !value.isEmpty else { throw ParseError(description: "scenario key 'fail_key' needs a value") }
                scenario.failKey = value
            case "hang": try flag(); scenario.hang = true
            case "hang_after": scenario.hangAfter = try int()
            case "drop_after": scenario.dropAfter = try int()
            case "malformed": try flag(); scenario.malformed = true
            case "error_event": try flag(); scenario.errorEvent = true
            case "safety":
                guard let stop = value.map(SafetyStop.init(rawValue:)) ?? .reply else {
                    throw ParseError(description: "scenario key 'safety' takes reply or prompt")
                }
                scenario.safety = stop
            default:
                throw ParseError(description: "unknown scenario key '\(key)'")
            }
        }
        if scenario.failFirst != nil || scenario.failKey != nil, !scenario.hasFault {
            scenario.status = 500
        }
        return scenario
    }

    /// Whether any fault is set.
    public var hasFault: Bool {
        status != nil || hang || hangAfter != nil || dropAfter != nil || malformed || errorEvent || safety != nil
    }

    /// The same shape with every fault removed (what a request past `fail_first` gets).
    public var withoutFaults: FakeScenario {
        var s = self
        s.status = nil
        s.retryAfter = nil
        s.failFirst = nil
        s.failKey = nil
        s.hang = false
        s.hangAfter = nil
        s.dropAfter = nil
        s.malformed = false
        s.errorEvent = false
        s.safety = nil
        return s
    }

    /// The reply, as the text deltas to send.
    public var deltas: [String] {
        let words = Self.words(of: text ?? (splitBytes != nil ? Self.defaultSplitText : Self.defaultText))
        guard let count = deltaCount else { return words }
        guard !words.isEmpty else { return Array(repeating: "", count: count) }
        return (0..<count).map { i in
            let word = words[i % words.count]
            if i > 0, i % words.count == 0, word.first.map({ !$0.isWhitespace }) ?? true {
                return " " + word
            }
            return word
        }
    }

    /// Splits text at word starts, each piece keeping the whitespace before it.
    static func words(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var previousWasSpace = false
        for ch in text {
            if ch.isWhitespace, !previousWasSpace, !current.isEmpty {
                pieces.append(current)
                current = ""
            }
            current.append(ch)
            previousWasSpace = ch.isWhitespace
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
