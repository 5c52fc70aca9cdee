import Logging
import PatchbayPluginHost

/// What a client asks of one chat turn, whichever door it came through. No HTTP in it: each
/// door decodes its own wire format into one of these.
public struct TurnRequest: Sendable, Equatable {
    /// The assistant asked for (its id in providers.yaml).
    public var assistant: String
    /// The conversation as the client sent it, oldest first, ending with the newest user message.
    public var messages: [ChatMessage]
    /// The stored conversation to continue (or to create under this id), if the client named one.
    public var conversationID: String?
    /// Whether the server keeps this turn in a conversation (when it has a store).
    public var storesConversation: Bool
    /// Whether the client reads the reply as it streams (takes a stream slot).
    public var stream: Bool
    /// Generation parameters the client asked for (the assistant decides which apply).
    public var parameters: ClientParameters
    /// Whether `assistant` is only a client's hint (seed 004's `model`): one that names no
    /// assistant is ignored and `default` answers, instead of a 404.
    public var assistantIsHint = false
    /// Whether the client asked not to be answered from the cache (`Cache-Control: no-cache`):
    /// the provider answers and its reply is not kept.
    public var bypassesCache = false

    /// Creates a request.
    /// - Parameter assistant: an assistant's id, or one of its aliases.
    public init(
        assistant: String, messages: [ChatMessage], conversationID: String? = nil, storesConversation: Bool = false,
        stream: Bool, parameters: ClientParameters = ClientParameters()
    ) {
        self.assistant = assistant
        self.messages = messages
        self.conversationID = conversationID
        self.storesConversation = storesConversation || conversationID != nil
        self.stream = stream
        self.parameters = parameters
    }
}

/// Who asks for a turn, as the door's protection layers found out.
public struct TurnCaller: Sendable {
    /// The API key the caller presented (auth on), which decides the assistants it may use.
    public var key: AuthenticatedKey?
    /// The caller's identity for limits (key id or client address), and where the limiter's
    /// decision is left for the rate-limit headers.
    public let record: CallerRecord
    /// The request's id, passed to the plugin and sent back to the client.
    public var requestID: String
    /// The request's logger; the turn adds `assistant` and `provider` to it.
    public var logger: Logger
    /// The access-log line's fields; the turn adds assistant, provider, model, tokens and outcome.
    public let requestLog: RequestLogRecord
    /// Whether this is the operator warming the cache: the reply is kept for every caller.
    var warmsCache = false

    /// Creates a caller.
    public init(key: AuthenticatedKey?, record: CallerRecord, requestID: String, logger: Logger, requestLog: RequestLogRecord) {
        self.key = key
        self.record = record
        self.requestID = requestID
        self.logger = logger
        self.requestLog = requestLog
    }
}

/// What every door may tell its client about a turn once it has started.
public struct TurnMetadata: Sendable, Equatable {
    /// The request's id.
    public var requestID: String
    /// The assistant that answers.
    public var assistant: String
    /// Its provider's name.
    public var provider: String
    /// The model asked for.
    public var model: String
    /// The stored conversation this turn belongs to, if any.
    public var conversationID: String?
    /// Whether inactivity reset the conversation's context before this turn.
    public var contextWasReset: Bool
    /// How the cache lookup came out (BYPASS when the assistant has no cache).
    public var cache: CacheReport = .bypass
}
