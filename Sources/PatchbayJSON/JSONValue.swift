/// A parsed JSON value, read by ``JSONValue/parse(_:)`` without Foundation.
///
/// The host's request bodies, the ABI's request JSON and the plugins' upstream replies are read
/// with it: `JSONSerialization` and `JSONDecoder` bridge through Foundation's object model and
/// cost several times more per request than this (see bench/results/profile-c1.txt).
///
/// Objects keep their members in the order written, as a list: they are small, a linear scan is
/// cheaper than hashing, and a repeated name resolves to its last occurrence, as in most readers.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits an `Int`.
    case integer(Int)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(name: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.elementsEqual(b) { $0.name == $1.name && $0.value == $1.value }
        default: false
        }
    }

    /// The member named `name` of an object (its last occurrence), or nil for anything else.
    public subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.name == name }?.value
    }

    /// The string, if this is one.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, if this is one.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as an `Int`, if it is a whole number that fits (`3` and `3.0` alike).
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .double(let value): Int(exactly: value)
        default: nil
        }
    }

    /// The number as a `Double`, if this is a number.
    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The elements, if this is an array.
    public var array: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The members, if this is an object.
    public var object: [(name: String, value: JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Parses one JSON text (RFC 8259: any value at the top, surrounding whitespace allowed).
    ///
    /// Strict: invalid UTF-8, unescaped control characters, lone surrogate escapes, leading zeros,
    /// trailing commas, trailing text and nesting deeper than ``JSONParser/maximumDepth`` are
    /// refused with a ``JSONParseError`` that gives the byte offset.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in
                var parser = JSONParser(buffer)
                return try parser.parseDocument()
            }
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }
    }

    /// Parses the UTF-8 of `text`.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        // A native string's UTF-8 view offers its storage: nothing is copied.
        try parse(text.utf8)
    }
}

/// Why a text is not JSON, and where (a byte offset into it).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public let reason: String
    /// The byte offset where it was found.
    public let offset: Int

    public var description: String { "\(reason) at byte \(offset)" }
}
