/// Turns a ``YAMLNode`` tree into a ``PatchbayConfiguration``, collecting every problem
/// instead of stopping at the first.
///
/// The sections are in `ConfigurationValidator+Sections.swift`; this file holds the shared
/// checks every mapping gets: duplicate keys, unknown keys, and typed field access.
struct ConfigurationValidator {
    /// Where in the file a mapping sits, as messages say it.
    struct Scope {
        /// Completes "unknown key 'x' ...": `at the top level`, `in assistant 'default'`.
        var placement: String
        /// Starts messages about one field: `assistant 'default': `, `server: `.
        var prefix: String

        static let topLevel = Scope(placement: "at the top level", prefix: "")

        static func section(_ name: String) -> Scope {
            Scope(placement: "in section '\(name)'", prefix: "\(name): ")
        }
    }

    /// One `key: value` of a mapping with a usable string key.
    struct Field {
        var name: String
        var key: YAMLNode
        var value: YAMLNode

        /// The field, or `nil` when its value is null: `temperature: ~` means "not set".
        var unlessNull: Field? { self.value.isNull && !self.value.isReported ? nil : self }
    }

    let source: String
    let environment: [String: String]
    private(set) var errors: [ConfigurationError] = []
    /// Every assistant alias read so far, with its assistant and where it is written.
    var aliasesSeen: [String: (assistant: String, location: SourceLocation?)] = [:]

    init(source: String, environment: [String: String]) {
        self.source = source
        self.environment = environment
    }

    mutating func report(_ kind: ConfigurationError.Kind, at location: SourceLocation?, _ message: String) {
        self.errors.append(ConfigurationError(kind, location: location, message: message))
    }

    // MARK: Mappings

    /// The mapping's fields, first occurrence of each key; later duplicates and keys that are
    /// not scalars are reported and left out.
    mutating func uniqueFields(of entries: [YAMLMappingEntry], in scope: Scope) -> [Field] {
        var firstLines: [String: Int] = [:]
        var fields: [Field] = []
        for entry in entries {
            guard let key = entry.key.scalar else {
                self.report(.invalidValue, at: entry.key.location, "\(scope.prefix)keys must be strings, found \(entry.key.foundDescription)")
                continue
            }
            if entry.key.isReported { continue }
            if let firstLine = firstLines[key.text] {
                let message = "duplicate key '\(key.text)' \(scope.placement) (first defined at line \(firstLine))"
                self.report(.duplicateKey, at: entry.key.location, message)
                continue
            }
            firstLines[key.text] = entry.key.location.line
            fields.append(Field(name: key.text, key: entry.key, value: entry.value))
        }
        return fields
    }

    /// The mapping's fields by name; keys not in `known` are reported with the closest known
    /// key as a suggestion and the full list.
    mutating func knownFields(of entries: [YAMLMappingEntry], in scope: Scope, known: [String]) -> [String: Field] {
        var fields: [String: Field] = [:]
        for field in self.uniqueFields(of: entries, in: scope) {
            guard known.contains(field.name) else {
                var message = "unknown key '\(field.name)' \(scope.placement)"
                if let suggestion = field.name.closestMatch(in: known) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                message += "; known keys: \(known.joined(separator: ", "))"
                self.report(.unknownKey, at: field.key.location, message)
                continue
            }
            fields[field.name] = field
        }
        return fields
    }

    // MARK: Typed fields

    /// Reports `field` as not being what `expected` says, showing what it is instead.
    mutating func reportInvalid(_ field: Field, in scope: Scope, expected: String) {
        // The builder already explained this node (bad tag, undefined alias).
        guard !field.value.isReported else { return }
        let message = "\(scope.prefix)\(field.name) must be \(expected), found \(field.value.foundDescription)"
        self.report(.invalidValue, at: field.value.location, message)
    }

    mutating func string(_ field: Field?, in scope: Scope, allowEmpty: Bool = false) -> String? {
        guard let field else { return nil }
        if case .string(let string) = field.value.scalar?.value, allowEmpty || !string.isEmpty {
            return string
        }
        self.reportInvalid(field, in: scope, expected: allowEmpty ? "a string" : "a non-empty string")
        return nil
    }

    mutating func boolean(_ field: Field?, in scope: Scope) -> Bool? {
        guard let field else { return nil }
        if case .bool(let bool) = field.value.scalar?.value {
            return bool
        }
        self.reportInvalid(field, in: scope, expected: "true or false")
        return nil
    }

    /// The list's items, each as a field named `name[index]` so messages say which item is wrong;
    /// `nil` when the field is absent or not a list (reported as not being `expected`).
    mutating func items(_ field: Field?, in scope: Scope, expected: String) -> [Field]? {
        guard let field else { return nil }
        guard case .sequence(let items) = field.value.content else {
            self.reportInvalid(field, in: scope, expected: expected)
            return nil
        }
        return items.enumerated().map { index, item in Field(name: "\(field.name)[\(index)]", key: item, value: item) }
    }

    /// A scalar's text as written when it is a string or a number, for values such as ids and
    /// digests that YAML may have typed as numbers (`id: 007`); `nil` for null, bools and collections.
    static func scalarText(_ node: YAMLNode) -> String? {
        guard let scalar = node.scalar else { return nil }
        switch scalar.value {
        case .string(let string): return string
        case .int, .float: return scalar.text
        case .null, .bool: return nil
        }
    }

    mutating func number(_ field: Field?, in scope: Scope, range: ClosedRange<Double>) -> Double? {
        guard let field else { return nil }
        let number: Double? =
            switch field.value.scalar?.value {
            case .int(let int): Double(int)
            case .float(let double): double
            default: nil
            }
        if let number, range.contains(number) {
            return number
        }
        self.reportInvalid(field, in: scope, expected: "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        return nil
    }

    mutating func integer(_ field: Field?, in scope: Scope, range: ClosedRange<Int>, expected: String) -> Int? {
        guard let field else { return nil }
        if case .int(let int) = field.value.scalar?.value, range.contains(int) {
            return int
        }
        self.reportInvalid(field, in: scope, expected: expected)
        return nil
    }

    /// `2.0` as "2", `0.5` as "0.5": ranges read the way people write them.
    private static func format(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : String(bound)
    }
}
