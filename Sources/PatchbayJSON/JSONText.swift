/// JSON text written by hand, where an encoder would cost more or lose key order: the reader's
/// ``ProviderSettings/settingsJSON`` and the server's per-delta SSE frames. The host's one
/// JSON string escaper.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included (RFC 8259 escaping; non-ASCII kept as
    /// UTF-8; U+2028/U+2029 escaped for JavaScript embedders).
    public static func string(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                // Control characters must be escaped; the two line separators break some JavaScript parsers.
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A finite double as a JSON number. `Double.description` is already valid JSON for
    /// finite values ("0.7", "1e-05", "2.0").
    public static func number(_ value: Double) -> String {
        value.description
    }
}
