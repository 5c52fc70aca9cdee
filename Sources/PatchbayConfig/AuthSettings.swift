import PatchbayRateLimit

/// Who may call the API (the `auth:` section).
public struct AuthSettings: Sendable {
    /// Whether requests must carry one of ``keys`` (`enabled:`, default `false`). When it is
    /// `true`, the reader has checked that at least one key ``APIKeySettings/isUsable``.
    public var enabled: Bool
    /// The API keys, in file order; ids are unique.
    public var keys: [APIKeySettings]
    /// Wrong keys an address may present in a minute before it gets 429 for the rest of that
    /// minute (`max_failures_per_minute:`, default 10).
    public var maxFailuresPerMinute: Int

    /// Creates auth settings.
    public init(enabled: Bool = false, keys: [APIKeySettings] = [], maxFailuresPerMinute: Int = 10) {
        self.enabled = enabled
        self.keys = keys
        self.maxFailuresPerMinute = maxFailuresPerMinute
    }
}

/// One entry of `auth.keys`: an API key, known by its SHA-256 digest or read from the environment.
///
/// Its description and mirror never show ``keyFromEnvironment``.
public struct APIKeySettings: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key's name (`id:`), `[A-Za-z0-9._-]{1,64}`, unique in the file; safe to log.
    public var id: String
    /// The SHA-256 digest of the key (`sha256:`, 32 bytes), when the file gives one.
    public var sha256: [UInt8]?
    /// The key itself, read from the variable ``keyEnv`` names; `nil` when that variable is
    /// unset or empty (the key is then disabled, which is not an error). Never log it.
    public var keyFromEnvironment: String?
    /// The environment variable holding the key (`key_env:`), when the file names one.
    public var keyEnv: String?
    /// The assistant ids this key may use (`assistants:`), all known and at least one; `nil` for every assistant.
    public var assistants: [String]?
    /// Limits for callers using this key (`limits:`); unlimited when not given.
    public var limits: RateLimitPolicy
    /// Whether the key may also call the admin endpoints, `POST /admin/reload` (`admin:`, default `false`).
    public var admin: Bool
    /// Where the entry's `id:` key is written.
    public var location: SourceLocation

    /// Whether the key can be checked: it has a digest, or its variable holds a key.
    public var isUsable: Bool { self.sha256 != nil || self.keyFromEnvironment != nil }

    /// Creates API key settings.
    public init(
        id: String,
        sha256: [UInt8]? = nil,
        keyFromEnvironment: String? = nil,
        keyEnv: String? = nil,
        assistants: [String]? = nil,
        limits: RateLimitPolicy = .unlimited,
        admin: Bool = false,
        location: SourceLocation
    ) {
        self.id = id
        self.sha256 = sha256
        self.keyFromEnvironment = keyFromEnvironment
        self.keyEnv = keyEnv
        self.assistants = assistants
        self.limits = limits
        self.admin = admin
        self.location = location
    }

    /// `API key 'widget-prod' (sha256)` or `API key 'widget-prod' (from WIDGET_PROD_KEY, unset)`: never the key.
    public var description: String {
        if self.sha256 != nil { return "API key '\(self.id)' (sha256)" }
        let state = self.keyFromEnvironment == nil ? "unset" : "set"
        return "API key '\(self.id)' (from \(self.keyEnv ?? "?"), \(state))"
    }

    /// The same as ``description``.
    public var debugDescription: String { self.description }

    /// Every field but the key itself, so `dump` and debuggers do not show it.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": self.id,
                "sha256": self.sha256 as Any,
                "keyFromEnvironment": self.keyFromEnvironment == nil ? "nil" : "<redacted>",
                "keyEnv": self.keyEnv as Any,
                "assistants": self.assistants as Any,
                "limits": self.limits,
                "location": self.location,
            ]
        )
    }
}
