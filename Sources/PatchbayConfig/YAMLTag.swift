/// The `!!` tags the reader honours; anything else is refused with a clear error.
enum YAMLTag {
    case string
    case int
    case float
    case bool
    case null
    case mapping
    case sequence

    /// The tags as written, for the "supported tags" list in messages.
    static let supportedNames = "!!str, !!int, !!float, !!bool, !!null, !!map, !!seq"

    private static let prefix = "tag:yaml.org,2002:"

    /// Recognizes a resolved tag from libyaml (`tag:yaml.org,2002:int`), or returns `nil`.
    init?(resolved: String) {
        guard resolved.hasPrefix(Self.prefix) else { return nil }
        switch resolved.dropFirst(Self.prefix.count) {
        case "str": self = .string
        case "int": self = .int
        case "float": self = .float
        case "bool": self = .bool
        case "null": self = .null
        case "map": self = .mapping
        case "seq": self = .sequence
        default: return nil
        }
    }

    /// A resolved tag as the user wrote it: `tag:yaml.org,2002:binary` becomes `!!binary`.
    static func displayName(_ resolved: String) -> String {
        resolved.hasPrefix(prefix) ? "!!" + resolved.dropFirst(prefix.count) : resolved
    }

    /// The tag as the user wrote it.
    var displayName: String {
        switch self {
        case .string: "!!str"
        case .int: "!!int"
        case .float: "!!float"
        case .bool: "!!bool"
        case .null: "!!null"
        case .mapping: "!!map"
        case .sequence: "!!seq"
        }
    }

    /// What the tag asks for, for "is not ..." in messages.
    var expectation: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .float: "a number"
        case .bool: "true or false"
        case .null: "null"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
