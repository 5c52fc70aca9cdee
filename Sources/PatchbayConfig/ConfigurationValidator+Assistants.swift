extension ConfigurationValidator {
    /// An assistant's `aliases:`: a list of non-empty strings, each unique across the file.
    mutating func aliases(_ field: Field?, of assistant: String, in scope: Scope) -> [String] {
        guard let field, let items = self.items(field, in: scope, expected: "a list of names") else { return [] }
        var aliases: [String] = []
        for item in items {
            guard let alias = self.string(item, in: scope) else { continue }
            if let first = self.aliasesSeen[alias] {
                let message = "\(scope.prefix)alias '\(alias)' is already an alias of assistant '\(first.assistant)'"
                self.report(.duplicateKey, at: item.value.location, message)
                continue
            }
            self.aliasesSeen[alias] = (assistant, item.value.location)
            aliases.append(alias)
        }
        return aliases
    }

    /// Refuses an alias that is another assistant's id: the id would be unreachable.
    mutating func checkAliases(of assistants: [AssistantSettings], ids: Set<String>) {
        for assistant in assistants {
            for alias in assistant.aliases where ids.contains(alias) {
                let message = "assistant '\(assistant.id)': alias '\(alias)' is the id of an assistant; an alias must be a name of its own"
                self.report(.invalidValue, at: self.aliasesSeen[alias]?.location, message)
            }
        }
    }

    /// An assistant's `client_parameters:`: each of temperature, top_p and max_tokens is `true`,
    /// `false` or a mapping of bounds; system_prompt and stop are `true` or `false`.
    mutating func clientParameters(_ field: Field, in outer: Scope) -> ClientParameterRules {
        let known = ClientParameterRules.keys
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: outer, expected: "a mapping with keys \(known.joined(separator: ", "))")
            return .default
        }
        let scope = Scope(placement: "\(outer.placement) under 'client_parameters'", prefix: "\(outer.prefix)client_parameters.")
        let fields = self.knownFields(of: entries, in: scope, known: known)
        var rules = ClientParameterRules.default
        rules.temperature = self.bounds(fields["temperature"]?.unlessNull, in: scope, range: 0...2)
        rules.topP = self.bounds(fields["top_p"]?.unlessNull, in: scope, range: 0...1)
        if let field = fields["max_tokens"]?.unlessNull {
            if case .bool(let allowed) = field.value.scalar?.value {
                rules.maxTokens = allowed ? Int.max : nil
            } else if let entries = field.value.mappingEntries {
                let inner = Scope(placement: "\(scope.placement) under 'max_tokens'", prefix: "\(scope.prefix)max_tokens.")
                let bound = self.knownFields(of: entries, in: inner, known: ["max"])
                rules.maxTokens = self.integer(bound["max"]?.unlessNull, in: inner, range: 1...Int.max, expected: "an integer of at least 1") ?? Int.max
            } else {
                self.reportInvalid(field, in: scope, expected: "true, false or a mapping {max: N}")
            }
        }
        rules.systemPrompt = self.boolean(fields["system_prompt"]?.unlessNull, in: scope) ?? false
        rules.stop = self.boolean(fields["stop"]?.unlessNull, in: scope) ?? true
        return rules
    }

    /// `true` (the whole `range`), `false` (not allowed) or `{min, max}` within `range`.
    private mutating func bounds(_ field: Field?, in scope: Scope, range: ClosedRange<Double>) -> ClosedRange<Double>? {
        guard let field else { return nil }
        if case .bool(let allowed) = field.value.scalar?.value { return allowed ? range : nil }
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: scope, expected: "true, false or a mapping {min, max}")
            return nil
        }
        let inner = Scope(placement: "\(scope.placement) under '\(field.name)'", prefix: "\(scope.prefix)\(field.name).")
        let bound = self.knownFields(of: entries, in: inner, known: ["min", "max"])
        let low = self.number(bound["min"]?.unlessNull, in: inner, range: range) ?? range.lowerBound
        let high = self.number(bound["max"]?.unlessNull, in: inner, range: range) ?? range.upperBound
        guard low <= high else {
            self.report(.invalidValue, at: field.value.location, "\(inner.prefix)min must not be above max")
            return nil
        }
        return low...high
    }
}
