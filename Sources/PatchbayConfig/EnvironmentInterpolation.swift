/// Resolves `${NAME}` and `${NAME:-fallback}` references in provider settings.
///
/// `NAME` is `[A-Za-z_][A-Za-z0-9_]*`. A variable that is unset or empty takes the fallback
/// if there is one; otherwise it resolves to the empty string and is listed as missing,
/// which makes the provider *not configured* rather than the file invalid.
/// `$${` stands for a literal `${`.
enum EnvironmentInterpolation {
    /// A resolved text and the variables it needed but did not find.
    struct Resolved {
        var text: String
        var missingVariables: [String]
    }

    /// A malformed reference. Messages show at most the variable name, never values or fallbacks.
    enum Failure: Error {
        case unterminated
        case invalidName(String)
        case nestedReference(String)

        var message: String {
            let expected = "expected ${NAME} or ${NAME:-default}, NAME being letters, digits and underscores, not starting with a digit"
            switch self {
            case .unterminated: return "'${' has no closing '}'; \(expected)"
            case .invalidName(let name): return "invalid environment variable reference '${\(name)}'; \(expected)"
            case .nestedReference(let name): return "the default value of '${\(name):-...}' cannot contain another '${'"
            }
        }
    }

    static func resolve(_ text: String, environment: [String: String]) -> Result<Resolved, Failure> {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var missing: [String] = []
        var index = 0
        while index < bytes.count {
            if bytes[index...].starts(with: "$${".utf8) {
                output += "${".utf8
                index += 3
                continue
            }
            guard bytes[index...].starts(with: "${".utf8) else {
                output.append(bytes[index])
                index += 1
                continue
            }
            guard let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
                return .failure(.unterminated)
            }
            let inner = bytes[(index + 2)..<close]
            let name: String
            let fallback: String?
            if let separator = Self.firstRange(of: ":-", in: inner) {
                name = String(decoding: inner[..<separator.lowerBound], as: UTF8.self)
                fallback = String(decoding: inner[separator.upperBound...], as: UTF8.self)
            } else {
                name = String(decoding: inner, as: UTF8.self)
                fallback = nil
            }
            guard Self.isValidName(name) else { return .failure(.invalidName(name)) }
            if let fallback, fallback.contains("${") { return .failure(.nestedReference(name)) }

            if let value = environment[name], !value.isEmpty {
                output += value.utf8
            } else if let fallback {
                output += fallback.utf8
            } else if !missing.contains(name) {
                missing.append(name)
            }
            index = close + 1
        }
        return .success(Resolved(text: String(decoding: output, as: UTF8.self), missingVariables: missing))
    }

    /// Whether `name` matches `[A-Za-z_][A-Za-z0-9_]*`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first.isASCIILetterOrUnderscore else { return false }
        return name.utf8.allSatisfy { $0.isASCIILetterOrUnderscore || $0.isASCIIDigit }
    }

    private static func firstRange(of needle: String, in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        let needle = Array(needle.utf8)
        var start = haystack.startIndex
        while start + needle.count <= haystack.endIndex {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) {
                return start..<(start + needle.count)
            }
            start += 1
        }
        return nil
    }
}

extension UInt8 {
    fileprivate var isASCIILetterOrUnderscore: Bool {
        (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
            || self == UInt8(ascii: "_")
    }
}
