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
    /// the `plugin` key is removed and `"provider_name": name` is added. Keys keep file order.
    /// Scalars are typed by YAML's core schema: `true`/`false` become booleans, integers and
    /// floats numbers, `null`/`~`/nothing null; quoted scalars and any value containing `${` are
    /// always strings. Nested mappings and lists become objects and arrays.
    public var settingsJSON: String
    /// Environment variables that `${VAR}` references name and that are unset or empty, in order
    /// of first use. A provider with any is *not configured*; that is not an error.
    public var missingVariables: [String]

    /// Whether every environment variable the settings reference is set.
    public var isConfigured: Bool { self.missingVariables.isEmpty }

    /// Creates provider settings.
    public init(
        name: String,
        plugin: String,
        pluginLocation: SourceLocation,
        location: SourceLocation,
        settingsJSON: String,
        missingVariables: [String] = []
    ) {
        self.name = name
        self.plugin = plugin
        self.pluginLocation = pluginLocation
        self.location = location
        self.settingsJSON = settingsJSON
        self.missingVariables = missingVariables
    }
}
