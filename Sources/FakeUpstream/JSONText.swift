import Foundation

/// Hand-written JSON, so field order and spacing are exactly what the providers send.
enum JSONText {
    /// A JSON string literal, quotes included. Non-ASCII text is written raw as UTF-8 (both
    /// providers do so); only `"`, `\` and control characters are escaped.
    static func string(_ value: String) -> String {
        var out = "\""
        out.unicodeScalars.reserveCapacity(value.unicodeScalars.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let s where s.value < 0x20:
                out += String(format: "\\u%04x", s.value)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// `"value"` or `null`.
    static func stringOrNull(_ value: String?) -> String {
        value.map(string) ?? "null"
    }
}
