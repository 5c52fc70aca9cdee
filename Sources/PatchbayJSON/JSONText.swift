/// JSON text written by hand, where an encoder would cost more or lose key order: the server's
/// per-delta SSE frames and log lines, the config reader's settings JSON, the plugin kit's ABI
/// event payloads and the fake upstream's provider frames. The one JSON string escaper of the
/// project, so all of them escape alike.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    ///
    /// Escapes `"`, `\` and every control character below U+0020 (`\b` `\f` `\n` `\r` `\t`, and
    /// `\u00XX` for the others), and U+2028/U+2029, which end a line in JavaScript before ES2019
    /// and so break a script the text is pasted into. Everything else, non-ASCII included, is
    /// written as it is, in UTF-8; `/` is not escaped.
    ///
    /// Works on UTF-8 bytes: one pass measures the output, one writes it, and text with nothing
    /// to escape is copied whole.
    public static func string(_ value: String) -> String {
        var value = value
        return value.withUTF8 { input in
            let count = input.count
            var extra = 0
            var index = 0
            while index < count {
                extra &+= escapeGrowth(input, at: index)
                index &+= 1
            }
            let length = count + 2 + extra
            return String(unsafeUninitializedCapacity: length) { output in
                output[0] = quote
                output[length - 1] = quote
                guard extra > 0 else {
                    if count > 0 {
                        _ = UnsafeMutableBufferPointer(rebasing: output[1..<(count + 1)]).initialize(fromContentsOf: input)
                    }
                    return length
                }
                var out = 1
                var index = 0
                while index < count {
                    let byte = input[index]
                    index &+= 1
                    switch byte {
                    case quote, backslash:
                        output[out] = backslash
                        output[out + 1] = byte
                        out += 2
                    case 0x08, 0x09, 0x0A, 0x0C, 0x0D:
                        output[out] = backslash
                        output[out + 1] = shortEscape(byte)
                        out += 2
                    case 0x00..<0x20:
                        writeUnicodeEscape(0x00, byte, into: output, at: out)
                        out += 6
                    case 0xE2 where isLineOrParagraphSeparator(input, at: index - 1):
                        writeUnicodeEscape(0x20, 0x28 | (input[index + 1] & 0x01), into: output, at: out)
                        index &+= 2
                        out += 6
                    default:
                        output[out] = byte
                        out += 1
                    }
                }
                return length
            }
        }
    }

    /// `"value"`, or `null` when there is none.
    public static func stringOrNull(_ value: String?) -> String {
        value.map(string) ?? "null"
    }

    /// A JSON array of strings.
    public static func array(_ strings: [String]) -> String {
        "[" + strings.map(string).joined(separator: ",") + "]"
    }

    /// A finite double as a JSON number. `Double.description` is already valid JSON for
    /// finite values ("0.7", "1e-05", "2.0").
    public static func number(_ value: Double) -> String {
        value.description
    }

    // MARK: Bytes

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The letter after `\` for the control characters JSON has a short escape for.
    @inline(__always)
    private static func shortEscape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case 0x08: UInt8(ascii: "b")
        case 0x09: UInt8(ascii: "t")
        case 0x0A: UInt8(ascii: "n")
        case 0x0C: UInt8(ascii: "f")
        default: UInt8(ascii: "r")
        }
    }

    /// How many bytes longer the byte at `index` becomes once escaped (0 for most).
    @inline(__always)
    private static func escapeGrowth(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = input[index]
        if byte >= 0x20 {
            if byte == quote || byte == backslash { return 1 }
            // U+2028/U+2029: three bytes become the six of `\u2028`.
            if byte == 0xE2, isLineOrParagraphSeparator(input, at: index) { return 3 }
            return 0
        }
        switch byte {
        case 0x08, 0x09, 0x0A, 0x0C, 0x0D: return 1
        default: return 5
        }
    }

    /// Whether the bytes at `index` are U+2028 or U+2029 (E2 80 A8 / E2 80 A9).
    @inline(__always)
    private static func isLineOrParagraphSeparator(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        index + 2 < input.count && input[index] == 0xE2 && input[index + 1] == 0x80 && input[index + 2] & 0xFE == 0xA8
    }

    /// Writes `\u` and four lowercase hex digits for the code unit `high << 8 | low`.
    @inline(__always)
    private static func writeUnicodeEscape(_ high: UInt8, _ low: UInt8, into output: UnsafeMutableBufferPointer<UInt8>, at index: Int) {
        output[index] = backslash
        output[index + 1] = UInt8(ascii: "u")
        output[index + 2] = hexDigit(high >> 4)
        output[index + 3] = hexDigit(high & 0x0F)
        output[index + 4] = hexDigit(low >> 4)
        output[index + 5] = hexDigit(low & 0x0F)
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }
}
