import PatchbayJSON
import PatchbayRateLimit

extension ConfigurationValidator {
    static let topLevelKeys = ["server", "plugins", "storage", "providers", "assistants", "auth", "limits", "logging", "models"]
    static let serverKeys = [
        "host", "port", "cors_origins", "max_body_bytes", "trusted_proxies", "max_message_chars", "max_messages",
        "header_timeout_ms", "body_timeout_ms", "max_streams_per_caller", "strict_transport_security",
        "shutdown_grace_ms", "websocket_max_message_bytes", "websocket_max_chats_per_socket", "stream_buffer_bytes", "admin", "tls",
    ]
    static let pluginKeys = ["directory"]
    static let assistantKeys = [
        "name", "description", "provider", "model", "targets", "temperature", "max_tokens", "top_p", "system_prompt",
        "max_conversation_length", "conversation_timeout", "limits", "aliases", "client_parameters", "cache",
    ]

    /// What the top level should be, for messages about an empty or wrongly shaped file.
    static let expectedTopLevel = "a top-level mapping with keys \(topLevelKeys.joined(separator: ", "))"

    /// The whole configuration, or `nil` when the root is not a mapping (reported).
    mutating func configuration(from root: YAMLNode) -> PatchbayConfiguration? {
        guard let entries = root.mappingEntries else {
            if root.isNull {
                // A bare "---" or "~": the empty scalar's own mark says nothing useful.
                self.report(.empty, at: SourceLocation(file: self.source, line: 1, column: 1), "the file is empty; expected \(Self.expectedTopLevel)")
            } else if !root.isReported {
                self.report(.empty, at: root.location, "expected \(Self.expectedTopLevel), found \(root.foundDescription)")
            }
            return nil
        }
        let fields = self.knownFields(of: entries, in: .topLevel, known: Self.topLevelKeys)
        var server = fields["server"].map { self.serverSettings($0) } ?? ServerSettings()
        var plugins = PluginSettings()
        if let (directory, location) = fields["plugins"].flatMap({ self.pathSection($0, key: "directory") }) {
            plugins.directory = directory
            plugins.directoryLocation = location
        }
        let storage = fields["storage"].map { self.storage($0) } ?? StorageSettings()
        let (providers, providerNames) = fields["providers"].map { self.providers($0) } ?? ([], [])
        let (assistants, assistantIDs) = fields["assistants"].map { self.assistants($0, providerNames: providerNames) } ?? ([], [])
        let auth = fields["auth"].map { self.auth($0, assistantIDs: assistantIDs) } ?? AuthSettings()
        let (limits, webSocketConnectionsPerMinute, limitStore) = fields["limits"].map { self.limits(section: $0) } ?? (.unlimited, nil, LimitStoreSettings())
        var logging = fields["logging"].map { self.logging($0) } ?? LoggingSettings()
        let models = fields["models"].map { self.models($0) } ?? []

        if let port = self.environment["PORT"], !port.isEmpty {
            // PORT wins over the file, as container platforms expect.
            if let number = Int(port), (1...65535).contains(number) {
                server.port = number
            } else {
                self.report(
                    .invalidEnvironment,
                    at: nil,
                    "the PORT environment variable must be an integer from 1 to 65535, found \(port.quotedForMessage)"
                )
            }
        }
        self.applyEnvironment(to: &server, logging: &logging)
        return PatchbayConfiguration(
            source: self.source, server: server, plugins: plugins, storage: storage, providers: providers, assistants: assistants,
            auth: auth, limits: limits, webSocketConnectionsPerMinute: webSocketConnectionsPerMinute ?? PatchbayConfiguration.defaultWebSocketConnectionsPerMinute,
            limitStore: limitStore, logging: logging, models: models
        )
    }

    // MARK: server, plugins

    private mutating func serverSettings(_ section: Field) -> ServerSettings {
        var settings = ServerSettings()
        guard let entries = self.sectionEntries(section, shape: "a mapping with keys \(Self.serverKeys.joined(separator: ", "))") else {
            return settings
        }
        let scope = Scope.section("server")
        let fields = self.knownFields(of: entries, in: scope, known: Self.serverKeys)
        if let host = self.string(fields["host"]?.unlessNull, in: scope) {
            settings.host = host
        }
        if let port = self.integer(fields["port"]?.unlessNull, in: scope, range: 1...65535, expected: "an integer from 1 to 65535") {
            settings.port = port
        }
        self.readProtection(fields, in: scope, into: &settings)
        if let admin = fields["admin"] {
            settings.admin = self.adminListener(admin, public: settings)
        }
        if let tls = fields["tls"] {
            settings.tls = self.tls(tls)
        }
        return settings
    }

    /// A section holding one path-valued key (`plugins: {directory}`, `storage: {sqlite_path}`):
    /// the path and where it is written, or nil when absent or wrong (reported).
    private mutating func pathSection(_ section: Field, key: String) -> (String, SourceLocation)? {
        guard let entries = self.sectionEntries(section, shape: "a mapping with key \(key)") else { return nil }
        let scope = Scope.section(section.name)
        let fields = self.knownFields(of: entries, in: scope, known: [key])
        guard let field = fields[key]?.unlessNull, let path = self.string(field, in: scope) else { return nil }
        return (path, field.value.location)
    }

    /// A section's entries; a null section is an empty one, anything but a mapping is reported.
    mutating func sectionEntries(_ section: Field, shape: String) -> [YAMLMappingEntry]? {
        if let entries = section.value.mappingEntries { return entries }
        if section.value.isNull { return [] }
        if !section.value.isReported {
            self.report(.invalidValue, at: section.value.location, "'\(section.name)' must be \(shape), found \(section.value.foundDescription)")
        }
        return nil
    }

    // MARK: providers

    /// The valid providers, and every provider name declared (for checking assistants), or
    /// `nil` names when the section itself is broken so assistants are not blamed for it.
    private mutating func providers(_ section: Field) -> ([ProviderSettings], [String]?) {
        guard let entries = self.sectionEntries(section, shape: "a mapping from provider names to their settings") else {
            return ([], nil)
        }
        let fields = self.uniqueFields(of: entries, in: .section("providers"))
        let providers = fields.compactMap { self.provider($0) }
        return (providers, fields.map(\.name))
    }

    private mutating func provider(_ field: Field) -> ProviderSettings? {
        let name = field.name
        guard !name.isEmpty else {
            self.report(.invalidValue, at: field.key.location, "provider names must not be empty")
            return nil
        }
        guard let entries = field.value.mappingEntries else {
            if !field.value.isReported {
                let found = field.value.foundDescription
                self.report(.invalidValue, at: field.value.location, "provider '\(name)' must be a mapping with at least a 'plugin' key, found \(found)")
            }
            return nil
        }
        let scope = Scope(placement: "in provider '\(name)'", prefix: "provider '\(name)': ")
        var plugin: (name: String, location: SourceLocation)?
        var hasPluginKey = false
        var missingVariables: [String] = []
        var keys = ProviderKeys()
        var circuitBreaker = CircuitBreakerSettings()
        var json = "{\(JSONText.string("provider_name")):\(JSONText.string(name))"
        let fields = self.uniqueFields(of: entries, in: scope)
        for setting in fields {
            switch setting.name {
            case "plugin":
                hasPluginKey = true
                if let pluginName = self.string(setting, in: scope) {
                    plugin = (pluginName, setting.value.location)
                }
            case "provider_name":
                let message = "\(scope.prefix)key 'provider_name' is reserved; it is set to the provider's name"
                self.report(.invalidValue, at: setting.key.location, message)
            case "api_keys":
                keys = self.apiKeys(setting, in: scope, alsoSingle: fields.contains { $0.name == "api_key" })
            case "circuit_breaker":
                circuitBreaker = self.circuitBreaker(setting, in: scope)
            default:
                let value = self.json(setting.value, path: setting.name, in: scope, missingVariables: &missingVariables)
                json += ",\(JSONText.string(setting.name)):\(value)"
            }
        }
        json += "}"
        if !hasPluginKey {
            self.report(.missingKey, at: field.key.location, "provider '\(name)' is missing required key 'plugin'")
        }
        guard let plugin else { return nil }
        if keys.listed && keys.resolved.isEmpty {
            // No key is set: the provider is not configured, as with an unset `api_key`.
            missingVariables += keys.unset.filter { !missingVariables.contains($0) }
        }
        return ProviderSettings(
            name: name,
            plugin: plugin.name,
            pluginLocation: plugin.location,
            location: field.key.location,
            settingsJSON: json,
            missingVariables: missingVariables,
            apiKeys: keys.resolved,
            unsetAPIKeys: keys.resolved.isEmpty ? [] : keys.unset,
            circuitBreaker: circuitBreaker
        )
    }

    /// A provider setting as JSON text, with `${VAR}` resolved in every string.
    ///
    /// Messages name the setting by its path (`headers.X-Org`, `models[0]`) and never show a
    /// string's value: it may hold a secret, written in the file or resolved from the environment.
    mutating func json(_ node: YAMLNode, path: String, in scope: Scope, missingVariables: inout [String]) -> String {
        if node.isReported { return "null" }
        switch node.content {
        case .sequence(let items):
            let values = items.enumerated().map { index, item in
                self.json(item, path: "\(path)[\(index)]", in: scope, missingVariables: &missingVariables)
            }
            return "[\(values.joined(separator: ","))]"

        case .mapping(let entries):
            let nested = Scope(placement: "\(scope.placement) under '\(path)'", prefix: scope.prefix)
            let members = self.uniqueFields(of: entries, in: nested).map { field in
                let value = self.json(field.value, path: "\(path).\(field.name)", in: scope, missingVariables: &missingVariables)
                return "\(JSONText.string(field.name)):\(value)"
            }
            return "{\(members.joined(separator: ","))}"

        case .scalar(let scalar):
            switch scalar.value {
            case .null: return "null"
            case .bool(let bool): return bool ? "true" : "false"
            case .int(let int): return String(int)
            case .float(let double):
                guard double.isFinite else {
                    let message = "\(path) must be a finite number (JSON has no infinity or NaN), found number \(scalar.text)"
                    self.report(.invalidValue, at: node.location, scope.prefix + message)
                    return "null"
                }
                return JSONText.number(double)
            case .string(let text):
                switch EnvironmentInterpolation.resolve(text, environment: self.environment) {
                case .success(let resolved):
                    for variable in resolved.missingVariables where !missingVariables.contains(variable) {
                        missingVariables.append(variable)
                    }
                    return JSONText.string(resolved.text)
                case .failure(let failure):
                    self.report(.invalidVariableReference, at: node.location, "\(scope.prefix)\(path): \(failure.message)")
                    return "null"
                }
            }
        }
    }

    // MARK: assistants

    /// The valid assistants, and every assistant id declared (for checking auth keys), or `nil`
    /// ids when the section itself is broken so keys are not blamed for it.
    private mutating func assistants(_ section: Field, providerNames: [String]?) -> ([AssistantSettings], [String]?) {
        guard let entries = self.sectionEntries(section, shape: "a mapping from assistant ids to their settings") else {
            return ([], nil)
        }
        let fields = self.uniqueFields(of: entries, in: .section("assistants"))
        let assistants = fields.compactMap { self.assistant($0, providerNames: providerNames) }
        self.checkAliases(of: assistants, ids: Set(fields.map(\.name)))
        return (assistants, fields.map(\.name))
    }

    private mutating func assistant(_ field: Field, providerNames: [String]?) -> AssistantSettings? {
        let id = field.name
        guard !id.isEmpty else {
            self.report(.invalidValue, at: field.key.location, "assistant ids must not be empty")
            return nil
        }
        guard let entries = field.value.mappingEntries else {
            if !field.value.isReported {
                let found = field.value.foundDescription
                let message = "assistant '\(id)' must be a mapping with at least 'provider' and 'model' keys, found \(found)"
                self.report(.invalidValue, at: field.value.location, message)
            }
            return nil
        }
        let scope = Scope(placement: "in assistant '\(id)'", prefix: "assistant '\(id)': ")
        let fields = self.knownFields(of: entries, in: scope, known: Self.assistantKeys)
        let (provider, model, targets) = self.destinations(fields, of: id, at: field.key.location, providerNames: providerNames, in: scope)
        let name = self.string(fields["name"]?.unlessNull, in: scope)
        let description = self.string(fields["description"]?.unlessNull, in: scope, allowEmpty: true)
        let temperature = self.number(fields["temperature"]?.unlessNull, in: scope, range: 0...2)
        let maxTokens = self.integer(fields["max_tokens"]?.unlessNull, in: scope, range: 1...Int.max, expected: "an integer of at least 1")
        let topP = self.number(fields["top_p"]?.unlessNull, in: scope, range: 0...1)
        let systemPrompt = self.string(fields["system_prompt"]?.unlessNull, in: scope, allowEmpty: true)
        let maxConversationLength = self.integer(
            fields["max_conversation_length"]?.unlessNull, in: scope, range: 1...10_000, expected: "an integer from 1 to 10000"
        )
        let conversationTimeout = self.integer(
            fields["conversation_timeout"]?.unlessNull, in: scope, range: 1...31_536_000, expected: "a number of seconds from 1 to 31536000"
        )
        let limits = fields["limits"]?.unlessNull.map { self.limits($0, in: scope) } ?? .unlimited
        let aliases = self.aliases(fields["aliases"]?.unlessNull, of: id, in: scope)
        let clientParameters = fields["client_parameters"]?.unlessNull.map { self.clientParameters($0, in: scope) } ?? .default
        let cache = fields["cache"]?.unlessNull.flatMap { self.cache($0, in: scope, providerNames: providerNames) }

        guard let provider, let model else { return nil }
        return AssistantSettings(
            id: id,
            name: name,
            description: description ?? "",
            provider: provider,
            model: model,
            targets: targets,
            temperature: temperature,
            maxTokens: maxTokens,
            topP: topP,
            systemPrompt: systemPrompt,
            maxConversationLength: maxConversationLength ?? AssistantSettings.defaultMaxConversationLength,
            conversationTimeout: conversationTimeout ?? AssistantSettings.defaultConversationTimeout,
            limits: limits,
            aliases: aliases,
            clientParameters: clientParameters,
            cache: cache,
            location: field.key.location
        )
    }
}
