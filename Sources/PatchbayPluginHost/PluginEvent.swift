import PatchbayJSON

/// Token counts reported by a provider.
public struct TokenUsage: Sendable, Equatable, Codable {
    /// Tokens in the prompt.
    public var inputTokens: Int
    /// Tokens in the reply.
    public var outputTokens: Int
    /// Both.
    public var totalTokens: Int { inputTokens + outputTokens }

    /// Creates a usage record.
    public init(inputTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
    }

    /// Reads a USAGE event's JSON, `{"input_tokens": <int>, "output_tokens": <int>}`; nil if
    /// either is missing or not a whole number.
    public init?(eventJSON bytes: some Collection<UInt8>) {
        guard let json = try? JSONValue.parse(bytes), let input = json["input_tokens"]?.int, let output = json["output_tokens"]?.int
        else { return nil }
        self.init(inputTokens: input, outputTokens: output)
    }
}

/// How a chat call failed, as the plugin reported it (the ABI's ERROR event).
public struct PluginFailure: Sendable, Equatable, Error {
    /// The ABI's error codes. A code the host does not know is read as `internalError`, and the
    /// plugin's own spelling is kept in ``PluginFailure/reportedCode`` for the log.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The upstream answered with an error (4xx other than 408/429, or a malformed reply).
        case providerError = "PROVIDER_ERROR"
        /// The upstream could not be reached, or is overloaded (429/5xx).
        case providerUnavailable = "PROVIDER_UNAVAILABLE"
        /// The upstream did not answer in time.
        case timeout = "TIMEOUT"
        /// The request could not be sent as it is (the plugin refused its JSON or a parameter).
        case invalidRequest = "INVALID_REQUEST"
        /// The call was cancelled (`chat_cancel`, or the instance is shutting down).
        case cancelled = "CANCELLED"
        /// Anything else; a bug on the plugin's side.
        case internalError = "INTERNAL_ERROR"
        /// Made by the host, never sent by a plugin: the call was stopped because its reader fell
        /// more than the stream buffer behind and the plugin cannot pause (ABI 1.0).
        case streamBufferFull = "STREAM_BUFFER_FULL"
    }

    /// The code.
    public var code: Code
    /// The code as the plugin spelled it (differs from `code.rawValue` only for a code the host does not know).
    public var reportedCode: String
    /// The plugin's message. For operators; the host decides what a client sees.
    public var message: String
    /// Whether trying again may succeed.
    public var retryable: Bool
    /// The HTTP status the upstream sent, if any.
    public var upstreamStatus: Int?
    /// How long the upstream asked callers to wait (its `Retry-After`), in milliseconds, if it said.
    public var retryAfterMilliseconds: Int?

    /// Creates a failure.
    public init(code: Code, message: String, retryable: Bool = false, upstreamStatus: Int? = nil, retryAfterMilliseconds: Int? = nil) {
        self.code = code
        self.reportedCode = code.rawValue
        self.message = message
        self.retryable = retryable
        self.upstreamStatus = upstreamStatus
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    /// Reads an ERROR event's JSON leniently: a plugin may omit the optional members, and a
    /// `retry_after_ms` of the wrong type loses only itself. Nil when the text is not a JSON
    /// object or a member the failure cannot do without has the wrong type.
    public init?(eventJSON bytes: some Collection<UInt8>) {
        guard let json = try? JSONValue.parse(bytes), json.object != nil else { return nil }
        func member<T>(_ name: String, _ read: (JSONValue) -> T?) -> T?? {
            guard let value = json[name], !value.isNull else { return .some(nil) }
            return read(value).map { .some($0) } ?? nil  // present with the wrong type: .none
        }
        guard let code = member("code", \.string), let message = member("message", \.string),
              let retryable = member("retryable", \.bool), let upstreamStatus = member("upstream_status", \.int)
        else { return nil }
        reportedCode = code ?? Code.internalError.rawValue
        // A plugin cannot claim the host's own code.
        self.code = Code(rawValue: reportedCode).flatMap { $0 == .streamBufferFull ? nil : $0 } ?? .internalError
        self.message = message ?? ""
        self.retryable = retryable ?? false
        self.upstreamStatus = upstreamStatus
        retryAfterMilliseconds = json["retry_after_ms"]?.int.map { max(0, $0) }
    }
}

/// One event of a chat call, decoded from the ABI's `patchbay_event`.
public enum PluginEvent: Sendable, Equatable {
    /// A piece of the reply's text.
    case delta(String)
    /// Token usage so far; the last one wins.
    case usage(TokenUsage)
    /// Terminal: the reply ended normally; `state` is the provider's handle on the conversation
    /// (ABI 1.2), kept only from a plugin that declares the `state` capability.
    case done(finishReason: String?, state: String? = nil)
    /// Terminal: the call failed.
    case failed(PluginFailure)
    /// One input's vector, in an embedding call (ABI 1.3). A chat call never yields it: the host
    /// drops (and logs) an EMBEDDING event a plugin sends in a chat call.
    case embedding([Float])

    /// Whether this event ends the call.
    public var isTerminal: Bool {
        switch self {
        case .done, .failed: true
        case .delta, .usage, .embedding: false
        }
    }
}
