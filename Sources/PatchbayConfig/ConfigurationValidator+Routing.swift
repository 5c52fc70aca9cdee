/// The keys of a provider's `api_keys:` as read: resolved ones, and the variables of those left out.
struct ProviderKeys {
    /// Whether the provider has `api_keys:` at all.
    var listed = false
    /// The keys, resolved, in file order.
    var resolved: [String] = []
    /// Variables of entries that resolved to nothing.
    var unset: [String] = []
}

extension ConfigurationValidator {
    // MARK: Providers: the host's own keys

    /// A provider's `api_keys:`: a non-empty list of strings (usually `"${VAR}"`), never beside `api_key:`.
    /// Messages never show a key: only the entry's index.
    mutating func apiKeys(_ field: Field, in scope: Scope, alsoSingle: Bool) -> ProviderKeys {
        var keys = ProviderKeys(listed: true)
        if alsoSingle {
            self.report(.invalidValue, at: field.key.location, "\(scope.prefix)use either 'api_key' or 'api_keys', not both")
            return keys
        }
        guard let items = self.items(field, in: scope, expected: "a non-empty list of keys") else { return keys }
        if items.isEmpty { self.reportInvalid(field, in: scope, expected: "a non-empty list of keys") }
        for item in items {
            guard case .string(let text) = item.value.scalar?.value else {
                self.reportInvalid(item, in: scope, expected: "a string (usually \"${VARIABLE}\")")
                continue
            }
            switch EnvironmentInterpolation.resolve(text, environment: self.environment) {
            case .success(let resolved):
                if resolved.missingVariables.isEmpty && !resolved.text.isEmpty {
                    keys.resolved.append(resolved.text)
                } else {
                    keys.unset += resolved.missingVariables.filter { !keys.unset.contains($0) }
                }
            case .failure(let failure):
                self.report(.invalidVariableReference, at: item.value.location, "\(scope.prefix)\(item.name): \(failure.message)")
            }
        }
        return keys
    }

    /// A provider's `circuit_breaker: {failures, cool_down_seconds}`.
    mutating func circuitBreaker(_ field: Field, in outer: Scope) -> CircuitBreakerSettings {
        var settings = CircuitBreakerSettings()
        guard let field = field.unlessNull else { return settings }
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: outer, expected: "a mapping with keys \(CircuitBreakerSettings.keys.joined(separator: ", "))")
            return settings
        }
        let scope = Scope(placement: "\(outer.placement) under 'circuit_breaker'", prefix: "\(outer.prefix)circuit_breaker.")
        let fields = self.knownFields(of: entries, in: scope, known: CircuitBreakerSettings.keys)
        if let failures = self.integer(fields["failures"]?.unlessNull, in: scope, range: 1...1000, expected: "an integer from 1 to 1000") {
            settings.failures = failures
        }
        if let seconds = self.integer(fields["cool_down_seconds"]?.unlessNull, in: scope, range: 1...86_400,
                                      expected: "a number of seconds from 1 to 86400") {
            settings.coolDownSeconds = seconds
        }
        return settings
    }

    // MARK: Assistants: targets

    /// Where an assistant's requests go: `targets:`, or `provider:` and `model:` (never both).
    /// The provider and model are the first primary target's; `targets` is nil for the single form.
    mutating func destinations(
        _ fields: [String: Field], of id: String, at location: SourceLocation, providerNames: [String]?, in scope: Scope
    ) -> (provider: String?, model: String?, targets: [AssistantTarget]?) {
        if let field = fields["targets"] {
            for single in ["provider", "model"] where fields[single] != nil {
                let message = "\(scope.prefix)'\(single)' cannot stand beside 'targets'; name the provider and model in each target"
                self.report(.invalidValue, at: fields[single]?.key.location, message)
            }
            let targets = self.targets(field, providerNames: providerNames, in: scope)
            // The first primary stands for the assistant where one provider and model is shown.
            let first = targets?.first { !$0.isFallback }
            return (first?.provider, first?.model, targets)
        }
        for required in ["provider", "model"] where fields[required] == nil {
            self.report(.missingKey, at: location, "assistant '\(id)' is missing required key '\(required)'")
        }
        let provider = self.string(fields["provider"], in: scope)
        if let provider, let providerNames, !providerNames.contains(provider), let at = fields["provider"]?.value.location {
            let known = providerNames.isEmpty ? "(none)" : providerNames.joined(separator: ", ")
            self.report(.unknownProvider, at: at, "assistant '\(id)' uses provider '\(provider)'; known providers: \(known)")
        }
        return (provider, self.string(fields["model"], in: scope), nil)
    }

    /// An assistant's `targets:`: a non-empty list of target mappings with at least one primary,
    /// no target twice; `nil` when it is broken (reported).
    mutating func targets(_ field: Field, providerNames: [String]?, in scope: Scope) -> [AssistantTarget]? {
        let expected = "a non-empty list of targets such as {provider: openai, model: gpt-4o-mini}"
        guard let items = self.items(field, in: scope, expected: expected) else { return nil }
        guard !items.isEmpty else {
            self.reportInvalid(field, in: scope, expected: expected)
            return nil
        }
        var targets: [AssistantTarget] = []
        var broken = false
        for item in items {
            guard let target = self.target(item, providerNames: providerNames, in: scope) else {
                broken = true
                continue
            }
            if targets.contains(where: { $0.provider == target.provider && $0.model == target.model }) {
                self.report(.duplicateKey, at: item.value.location, "\(scope.prefix)\(item.name): target '\(target.name)' is listed twice")
                broken = true
                continue
            }
            targets.append(target)
        }
        guard !broken else { return nil }
        guard targets.contains(where: { !$0.isFallback }) else {
            let message = "\(scope.prefix)targets needs at least one primary target (one without 'fallback: true')"
            self.report(.invalidValue, at: field.value.location, message)
            return nil
        }
        return targets
    }

    /// One entry of `targets:`.
    private mutating func target(_ item: Field, providerNames: [String]?, in outer: Scope) -> AssistantTarget? {
        guard let entries = item.value.mappingEntries else {
            self.reportInvalid(item, in: outer, expected: "a mapping with at least 'provider' and 'model' keys")
            return nil
        }
        let scope = Scope(placement: "\(outer.placement) under '\(item.name)'", prefix: "\(outer.prefix)\(item.name).")
        let fields = self.knownFields(of: entries, in: scope, known: AssistantTarget.keys)
        for required in ["provider", "model"] where fields[required] == nil {
            self.report(.missingKey, at: item.value.location, "\(outer.prefix)\(item.name) is missing required key '\(required)'")
        }
        let provider = self.string(fields["provider"], in: scope)
        if let provider, let providerNames, !providerNames.contains(provider), let location = fields["provider"]?.value.location {
            let known = providerNames.isEmpty ? "(none)" : providerNames.joined(separator: ", ")
            self.report(.unknownProvider, at: location, "\(outer.prefix)\(item.name) uses provider '\(provider)'; known providers: \(known)")
        }
        let model = self.string(fields["model"], in: scope)
        let isFallback = self.boolean(fields["fallback"]?.unlessNull, in: scope) ?? false
        var weight = self.integer(fields["weight"]?.unlessNull, in: scope, range: 1...AssistantTarget.maxWeight,
                                  expected: "an integer from 1 to \(AssistantTarget.maxWeight)")
        if isFallback, weight != nil, let location = fields["weight"]?.key.location {
            self.report(.invalidValue, at: location, "\(scope.prefix)weight applies to primary targets only; fallbacks are tried in file order")
            weight = nil
        }
        let temperature = self.number(fields["temperature"]?.unlessNull, in: scope, range: 0...2)
        let maxTokens = self.integer(fields["max_tokens"]?.unlessNull, in: scope, range: 1...Int.max, expected: "an integer of at least 1")
        let topP = self.number(fields["top_p"]?.unlessNull, in: scope, range: 0...1)
        guard let provider, let model else { return nil }
        return AssistantTarget(provider: provider, model: model, weight: weight ?? 1, isFallback: isFallback,
                               temperature: temperature, maxTokens: maxTokens, topP: topP, location: item.value.location)
    }
}
