import PatchbayRateLimit

/// The `auth:` section: API keys (as digests or environment variable names) and their
/// assistants, limits and admin flag.
///
/// No message here shows an API key, or what was written where a digest or a variable name
/// belongs (it may be a key pasted in the wrong place).
extension ConfigurationValidator {
    /// The `auth:` section; `assistantIDs` are every assistant declared, `nil` when that
    /// section is broken (then keys' `assistants:` lists are not checked).
    mutating func auth(_ section: Field, assistantIDs: [String]?) -> AuthSettings {
        var settings = AuthSettings()
        guard let entries = self.sectionEntries(section, shape: "a mapping with keys \(Self.authKeys.joined(separator: ", "))") else {
            return settings
        }
        let scope = Scope.section("auth")
        let fields = self.knownFields(of: entries, in: scope, known: Self.authKeys)
        let errorCount = self.errors.count
        if let enabled = self.boolean(fields["enabled"]?.unlessNull, in: scope) {
            settings.enabled = enabled
        }
        if let failures = self.integer(fields["max_failures_per_minute"]?.unlessNull, in: scope, range: 1...1_000_000,
                                       expected: "an integer of at least 1") {
            settings.maxFailuresPerMinute = failures
        }
        let expected = "a list of keys, each with an id and a sha256 or key_env"
        if let items = self.items(fields["keys"]?.unlessNull, in: scope, expected: expected) {
            var firstLines: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                if let key = self.apiKey(item.value, index: index, assistantIDs: assistantIDs, firstLines: &firstLines) {
                    settings.keys.append(key)
                }
            }
        }
        // With a problem in the section, the keys it would have made usable are unknown.
        guard settings.enabled, !settings.keys.contains(where: \.isUsable), self.errors.count == errorCount else {
            return settings
        }
        var reason = "no keys are listed under 'keys'"
        if !settings.keys.isEmpty {
            var variables: [String] = []
            for variable in settings.keys.compactMap(\.keyEnv) where !variables.contains(variable) {
                variables.append(variable)
            }
            reason = "every key comes from an unset or empty environment variable (\(variables.joined(separator: ", ")))"
        }
        self.report(.invalidValue, at: section.key.location, "auth is enabled but no key can be used: \(reason)")
        return settings
    }

    /// One entry of `auth.keys`, or `nil` when anything about it is wrong (reported).
    private mutating func apiKey(_ item: YAMLNode, index: Int, assistantIDs: [String]?, firstLines: inout [String: Int]) -> APIKeySettings? {
        let path = "auth.keys[\(index)]"
        guard let entries = item.mappingEntries else {
            if !item.isReported {
                let message = "\(path) must be a mapping with keys \(Self.apiKeyKeys.joined(separator: ", ")), found \(item.foundDescription)"
                self.report(.invalidValue, at: item.location, message)
            }
            return nil
        }
        let errorCount = self.errors.count
        // Name the key by its id in every message when the id is good, by its place otherwise.
        let goodID = entries.first { $0.key.scalar?.text == "id" }.flatMap { Self.scalarText($0.value) }.flatMap {
            Self.isValidKeyID($0) ? $0 : nil
        }
        let name = goodID.map { "auth key '\($0)'" } ?? path
        let scope = Scope(placement: "in \(name)", prefix: "\(name): ")
        let fields = self.knownFields(of: entries, in: scope, known: Self.apiKeyKeys)

        if let field = fields["id"] {
            if let id = goodID {
                if let firstLine = firstLines[id] {
                    self.report(.duplicateKey, at: field.value.location, "duplicate auth key id '\(id)' (first defined at line \(firstLine))")
                } else {
                    firstLines[id] = field.value.location.line
                }
            } else {
                self.reportInvalid(field, in: scope, expected: "1 to 64 letters, digits, '.', '_' or '-'")
            }
        } else {
            self.report(.missingKey, at: item.location, "\(path) is missing required key 'id'")
        }

        let sha256Field = fields["sha256"]?.unlessNull
        let keyEnvField = fields["key_env"]?.unlessNull
        switch (sha256Field, keyEnvField) {
        case (nil, nil):
            self.report(.missingKey, at: item.location, "\(name) must have one of 'sha256' or 'key_env'")
        case (let sha256?, let keyEnv?):
            let isKeyEnvSecond = (keyEnv.key.location.line, keyEnv.key.location.column) > (sha256.key.location.line, sha256.key.location.column)
            let second = isKeyEnvSecond ? keyEnv : sha256
            self.report(.invalidValue, at: second.key.location, "\(name) must have only one of 'sha256' and 'key_env', found both")
        default:
            break
        }
        var digest: [UInt8]?
        if let field = sha256Field, !field.value.isReported {
            digest = Self.scalarText(field.value).flatMap(Self.digestBytes)
            if digest == nil {
                self.report(.invalidValue, at: field.value.location, "\(scope.prefix)sha256 must be 64 hexadecimal characters")
            }
        }
        var keyEnv: String?
        if let field = keyEnvField, !field.value.isReported {
            keyEnv = Self.scalarText(field.value).flatMap { EnvironmentInterpolation.isValidName($0) ? $0 : nil }
            if keyEnv == nil {
                let message = "\(scope.prefix)key_env must be the name of an environment variable: letters, digits and underscores, not starting with a digit"
                self.report(.invalidValue, at: field.value.location, message)
            }
        }
        let assistants = self.keyAssistants(fields["assistants"]?.unlessNull, name: name, in: scope, assistantIDs: assistantIDs)
        let limits = fields["limits"]?.unlessNull.map { self.limits($0, in: scope) } ?? .unlimited
        let admin = self.boolean(fields["admin"]?.unlessNull, in: scope) ?? false

        guard self.errors.count == errorCount, let id = goodID, let location = fields["id"]?.key.location else { return nil }
        let key = keyEnv.flatMap { self.environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        return APIKeySettings(
            id: id, sha256: digest, keyFromEnvironment: key, keyEnv: keyEnv, assistants: assistants, limits: limits,
            admin: admin, location: location
        )
    }

    /// A key's `assistants:` list: at least one id, each declared under `assistants:`.
    private mutating func keyAssistants(_ field: Field?, name: String, in scope: Scope, assistantIDs: [String]?) -> [String]? {
        guard let field, let items = self.items(field, in: scope, expected: "a list of assistant ids") else { return nil }
        guard !items.isEmpty else {
            let message = "\(scope.prefix)assistants must list at least one assistant id (leave it out to allow every assistant)"
            self.report(.invalidValue, at: field.value.location, message)
            return nil
        }
        var ids: [String] = []
        for item in items {
            guard let id = Self.scalarText(item.value) else {
                self.reportInvalid(item, in: scope, expected: "an assistant id")
                continue
            }
            if let assistantIDs, !assistantIDs.contains(id) {
                let known = assistantIDs.isEmpty ? "(none)" : assistantIDs.joined(separator: ", ")
                self.report(.unknownAssistant, at: item.value.location, "\(name) uses assistant '\(id)'; known assistants: \(known)")
                continue
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// `[A-Za-z0-9._-]{1,64}`.
    static func isValidKeyID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { $0.isASCIIDigit || $0.isASCIILetter || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// 64 hexadecimal characters (either case) as 32 bytes.
    static func digestBytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = utf8[index].hexValue, let low = utf8[index + 1].hexValue else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
