import PatchbayJSON

/// One entry under `providers:`: which plugin serves it and the settings handed to that plugin.
public struct ProviderSettings: Sendable {
    /// The provider's key under `providers:`, such as `openai`.
    public var name: String
    /// The plugin that implements this provider (the required `plugin:` key).
    public var plugin: String
    /// Where the `plugin:` value is written, so the host can report an unknown plugin at the right place.
    public var pluginLocation: SourceLocation
    /// Where the provider's key is written.
    public var location: SourceLocation
    /// The provider's settings as a JSON object text, for the plugin to validate and use.
    ///
    /// Every `${VAR}` is resolved (an unset one becomes the empty string, see ``missingVariables``),
    /// the host's own keys (`plugin`, `api_keys`, `circuit_breaker`) are removed and
    /// `"provider_name": name` is added. Keys keep file order.
    /// Scalars are typed by YAML's core schema: `true`/`false` become booleans, integers and
    /// floats numbers, `null`/`~`/nothing null; quoted scalars and any value containing `${` are
    /// always strings. Nested mappings and lists become objects and arrays.
    public var settingsJSON: String
    /// Environment variables that `${VAR}` references name and that are unset or empty, in order
    /// of first use. A provider with any is *not configured*; that is not an error.
    public var missingVariables: [String]
    /// The keys of `api_keys:`, resolved, in file order: the host makes one plugin instance per
    /// key (see ``settingsJSON(apiKey:)``). Empty without `api_keys:`: one instance gets
    /// ``settingsJSON`` as it is. A key whose variable is unset is left out (see ``unsetAPIKeys``).
    public var apiKeys: [String]
    /// The variables of `api_keys:` entries left out because they are unset or empty.
    public var unsetAPIKeys: [String]
    /// When the provider's targets stop taking calls after failures (`circuit_breaker:`).
    public var circuitBreaker: CircuitBreakerSettings

    /// Whether every environment variable the settings reference is set.
    public var isConfigured: Bool { self.missingVariables.isEmpty }

    /// Creates provider settings.
    public init(
        name: String,
        plugin: String,
        pluginLocation: SourceLocation,
        location: SourceLocation,
        settingsJSON: String,
        missingVariables: [String] = [],
        apiKeys: [String] = [],
        unsetAPIKeys: [String] = [],
        circuitBreaker: CircuitBreakerSettings = CircuitBreakerSettings()
    ) {
        self.name = name
        self.plugin = plugin
        self.pluginLocation = pluginLocation
        self.location = location
        self.settingsJSON = settingsJSON
        self.missingVariables = missingVariables
        self.apiKeys = apiKeys
        self.unsetAPIKeys = unsetAPIKeys
        self.circuitBreaker = circuitBreaker
    }

    /// The settings of the instance for one key of `api_keys:`: ``settingsJSON`` with `api_key` set to it.
    public func settingsJSON(apiKey: String) -> String {
        // settingsJSON always holds provider_name, so it ends with a member and "}".
        String(settingsJSON.dropLast()) + ",\"api_key\":" + JSONText.string(apiKey) + "}"
    }
}

/// When a provider's targets stop taking calls (`circuit_breaker:` in a provider block): after
/// `failures` failures in a row, a target is skipped for `cool_down_seconds`, then one probe
/// call decides whether it takes calls again.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Failures in a row that open the breaker (`failures:`, 1...1000, default 5).
    public var failures: Int
    /// How long an open breaker skips its target before a probe, in seconds (`cool_down_seconds:`,
    /// 1...86400, default 30).
    public var coolDownSeconds: Int

    /// The keys `circuit_breaker:` may hold.
    public static let keys = ["failures", "cool_down_seconds"]

    /// Creates settings; the defaults are 5 failures and 30 seconds.
    public init(failures: Int = 5, coolDownSeconds: Int = 30) {
        self.failures = failures
        self.coolDownSeconds = coolDownSeconds
    }
}
