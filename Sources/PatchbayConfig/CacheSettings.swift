/// An assistant's response cache (`cache:`): replies kept and answered again for the same
/// conversation (exact) or, with an embedder, for one that means the same (semantic). Off unless set.
public struct CacheSettings: Sendable, Equatable {
    /// Who may be answered with a reply cached for someone else.
    public enum Scope: String, Sendable, Equatable, CaseIterable {
        /// Only callers with the same API key (all anonymous callers share one scope).
        case key
        /// Every caller of the assistant.
        case global
    }

    /// The semantic half (`semantic:`): the embedder and how close a question must be.
    public struct Semantic: Sendable, Equatable {
        /// The provider (a providers.yaml entry) whose plugin embeds (ABI 1.3).
        public var embedder: String
        /// The embedding model asked of it.
        public var model: String
        /// The cosine similarity from which a cached reply answers, 0...1 (`threshold:`, default 0.92).
        public var threshold: Double
        /// Where `embedder:` is written, for errors only the plugins can see.
        public var location: SourceLocation

        /// Creates the semantic settings.
        public init(embedder: String, model: String, threshold: Double = Semantic.defaultThreshold, location: SourceLocation) {
            self.embedder = embedder
            self.model = model
            self.threshold = threshold
            self.location = location
        }

        /// The default of `threshold`.
        public static let defaultThreshold = 0.92
    }

    /// Whether an identical request is answered from the cache (`exact:`, default true).
    public var exact: Bool
    /// The semantic lookup, when configured.
    public var semantic: Semantic?
    /// How long an entry answers, in seconds (`ttl:`, default 3600).
    public var ttlSeconds: Int
    /// The most bytes the assistant's entries take (`max_bytes:`, default 64 MiB); the least
    /// recently used entries go first.
    public var maxBytes: Int
    /// Who shares entries (`scope:`, default `key`).
    public var scope: Scope
    /// Prompts that `POST /api/v1/cache/warm` runs, by pattern name (`warm:`), in file order.
    public var warm: [WarmPattern]

    /// A named list of prompts under `warm:`.
    public struct WarmPattern: Sendable, Equatable {
        /// The pattern's name (`greeting`).
        public var name: String
        /// Its prompts, each sent as a one-message conversation.
        public var prompts: [String]

        /// Creates a pattern.
        public init(name: String, prompts: [String]) {
            self.name = name
            self.prompts = prompts
        }
    }

    /// The default of `ttl`, in seconds.
    public static let defaultTTLSeconds = 3600
    /// The default of `max_bytes`: 64 MiB.
    public static let defaultMaxBytes = 64 << 20

    /// Creates cache settings.
    public init(exact: Bool = true, semantic: Semantic? = nil, ttlSeconds: Int = CacheSettings.defaultTTLSeconds,
                maxBytes: Int = CacheSettings.defaultMaxBytes, scope: Scope = .key, warm: [WarmPattern] = []) {
        self.exact = exact
        self.semantic = semantic
        self.ttlSeconds = ttlSeconds
        self.maxBytes = maxBytes
        self.scope = scope
        self.warm = warm
    }
}
