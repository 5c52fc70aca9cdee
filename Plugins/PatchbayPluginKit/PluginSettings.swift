import Foundation

/// An error in a provider's settings. Its message names the key and what was expected, never
/// the value (settings hold API keys).
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case notAnObject
        case missing
        case wrongType
        case outOfRange
        case invalid
    }

    private let code: Code
    /// The settings key at fault, if there is one.
    public let key: String?
    /// What went wrong, for operators. Holds no secret.
    public let message: String

    private init(_ code: Code, key: String?, message: String) {
        self.code = code
        self.key = key
        self.message = message
    }

    /// The settings were not a JSON object.
    public static func notAnObject() -> SettingsError {
        SettingsError(.notAnObject, key: nil, message: "settings are not a JSON object")
    }

    /// A required key is missing.
    public static func missing(_ key: String) -> SettingsError {
        SettingsError(.missing, key: key, message: "\(key) is required")
    }

    /// A key holds a value of the wrong JSON type.
    public static func wrongType(_ key: String, expected: String) -> SettingsError {
        SettingsError(.wrongType, key: key, message: "\(key) must be \(expected)")
    }

    /// A key's value is outside its allowed range.
    public static func outOfRange(_ key: String, expected: String) -> SettingsError {
        SettingsError(.outOfRange, key: key, message: "\(key) must be \(expected)")
    }

    /// Anything else wrong with a key; `message` must not quote a secret value.
    public static func invalid(_ key: String?, _ message: String) -> SettingsError {
        SettingsError(.invalid, key: key, message: message)
    }

    /// True when `other` is the same kind of error (ignoring the message).
    public func isSameKind(as other: SettingsError) -> Bool { code == other.code }

    /// The message.
    public var description: String { message }
}

/// A provider's settings: its block of providers.yaml, as the JSON object the host passes to
/// `instance_create` and `config_check` (with `${VAR}`s resolved, so it may hold secrets: never
/// log it). The host adds `provider_name` and removes `plugin`.
///
/// Typed readers return `nil` for an absent key (or `null`), and throw a ``SettingsError`` that
/// names the key when the value has the wrong type or range.
public struct PluginSettings: Sendable {
    /// The settings' members.
    public let values: [String: JSONValue]
    /// The JSON text the settings were read from, for ``decode(_:)``.
    public let json: Data

    /// Reads settings from JSON text; throws ``SettingsError`` unless it is a JSON object.
    public init(json: Data) throws {
        guard let members = (try? JSONValue.parse(json))?.object else { throw SettingsError.notAnObject() }
        self.values = Dictionary(members.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        self.json = json
    }

    /// Reads settings from JSON text.
    public init(json: String) throws {
        try self.init(json: Data(json.utf8))
    }

    /// The member named `key`, or `nil`.
    public subscript(key: String) -> JSONValue? {
        values[key]
    }

    /// The instance's name in providers.yaml (the host adds it), if present.
    public var providerName: String? {
        if case .string(let name) = values["provider_name"] { return name }
        return nil
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }

    /// A string, or `nil` when absent.
    public func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let string) = value else { throw SettingsError.wrongType(key, expected: "a string") }
        return string
    }

    /// A string that must be present and not empty.
    public func requiredString(_ key: String) throws -> String {
        guard let string = try string(key) else { throw SettingsError.missing(key) }
        guard !string.isEmpty else { throw SettingsError.outOfRange(key, expected: "a non-empty string") }
        return string
    }

    /// A boolean, or `nil` when absent.
    public func bool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let bool) = value else { throw SettingsError.wrongType(key, expected: "true or false") }
        return bool
    }

    /// A number, or `nil` when absent; throws when outside `range`.
    public func double(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value.double, number.isFinite else { throw SettingsError.wrongType(key, expected: "a number") }
        if let range, !range.contains(number) {
            throw SettingsError.outOfRange(key, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A whole number, or `nil` when absent; throws when fractional or outside `range`.
    public func int(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let value = present(key) else { return nil }
        guard let number = value.double, number.isFinite, number.rounded() == number,
              number >= -9.0e15, number <= 9.0e15 else {
            throw SettingsError.wrongType(key, expected: "a whole number")
        }
        let integer = Int(number)
        if let range, !range.contains(integer) {
            throw SettingsError.outOfRange(key, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    /// A duration given in whole milliseconds, or `nil` when absent.
    public func milliseconds(_ key: String, in range: ClosedRange<Int> = 0...86_400_000) throws -> Duration? {
        try int(key, in: range).map { .milliseconds($0) }
    }

    /// An array of strings, or `nil` when absent.
    public func strings(_ key: String) throws -> [String]? {
        guard let value = present(key) else { return nil }
        guard case .array(let elements) = value else { throw SettingsError.wrongType(key, expected: "an array of strings") }
        return try elements.map {
            guard case .string(let string) = $0 else { throw SettingsError.wrongType(key, expected: "an array of strings") }
            return string
        }
    }

    /// An object of string values (such as extra HTTP headers), or `nil` when absent.
    public func stringMap(_ key: String) throws -> [String: String]? {
        guard let value = present(key) else { return nil }
        guard case .object(let members) = value else { throw SettingsError.wrongType(key, expected: "an object of strings") }
        return Dictionary(try members.map { member in
            guard case .string(let string) = member.value else { throw SettingsError.wrongType(key, expected: "an object of strings") }
            return (member.name, string)
        }, uniquingKeysWith: { $1 })
    }

    /// Decodes the whole settings object as `type` with Foundation's `JSONDecoder`.
    /// A failure is rethrown as a ``SettingsError`` that names the key path but no value.
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        do {
            return try decoder.decode(type, from: json)
        } catch let error as DecodingError {
            throw Self.settingsError(from: error)
        }
    }

    private static func settingsError(from error: DecodingError) -> SettingsError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let full = path(context.codingPath + [key])
            return .missing(full)
        case .typeMismatch(let type, let context):
            return .wrongType(path(context.codingPath), expected: "of type \(type)")
        case .valueNotFound(let type, let context):
            return .wrongType(path(context.codingPath), expected: "of type \(type), not null")
        case .dataCorrupted(let context):
            return .invalid(path(context.codingPath), "\(path(context.codingPath)) is invalid")
        @unknown default:
            return .invalid(nil, "settings could not be read")
        }
    }
}
