extension YAMLScalarValue {
    /// Types a plain (unquoted, untagged) scalar by YAML 1.2's core schema.
    ///
    /// Text containing `${` stays a string whatever it looks like: it is an environment
    /// reference, and its type must not depend on what the variable holds.
    static func resolvingPlain(_ text: String) -> YAMLScalarValue {
        if text.contains("${") { return .string(text) }
        if let null = nullValue(text) { return null }
        if let bool = boolValue(text) { return bool }
        if let int = intValue(text) { return int }
        if let float = floatValue(text) { return float }
        return .string(text)
    }

    /// Types a scalar with an explicit `!!` tag, or returns `nil` when the text does not fit the tag.
    static func resolving(_ text: String, tag: YAMLTag) -> YAMLScalarValue? {
        switch tag {
        case .string: return .string(text)
        case .null: return nullValue(text)
        case .bool: return boolValue(text)
        case .int: return intValue(text)
        case .float:
            if case .int(let int)? = intValue(text) { return .float(Double(int)) }
            return floatValue(text)
        case .mapping, .sequence: return nil
        }
    }

    static func nullValue(_ text: String) -> YAMLScalarValue? {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: return nil
        }
    }

    static func boolValue(_ text: String) -> YAMLScalarValue? {
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: return nil
        }
    }

    static func intValue(_ text: String) -> YAMLScalarValue? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { return nil }
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0") {
            let digits = String(decoding: utf8[2...], as: UTF8.self)
            // Checked by hand because Int(_:radix:) would also take a sign ("0x-1").
            switch utf8[1] {
            case UInt8(ascii: "x") where digits.allSatisfy(\.isHexDigit):
                return Int(digits, radix: 16).map { .int($0) }
            case UInt8(ascii: "o") where digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }):
                return Int(digits, radix: 8).map { .int($0) }
            default: break
            }
        }
        var digits = utf8[...]
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        // Too big for Int: still a number to the reader, so keep it as a float.
        return Int(text).map { .int($0) } ?? Double(text).map { .float($0) }
    }

    static func floatValue(_ text: String) -> YAMLScalarValue? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        // Core schema: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var bytes = Array(text.utf8)[...]
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        let integerDigits = bytes.prefix(while: \.isASCIIDigit).count
        bytes = bytes.dropFirst(integerDigits)
        var fractionDigits = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fractionDigits = bytes.prefix(while: \.isASCIIDigit).count
            bytes = bytes.dropFirst(fractionDigits)
        }
        guard integerDigits > 0 || fractionDigits > 0 else { return nil }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                bytes = bytes.dropFirst()
            }
            let exponentDigits = bytes.prefix(while: \.isASCIIDigit).count
            guard exponentDigits > 0 else { return nil }
            bytes = bytes.dropFirst(exponentDigits)
        }
        guard bytes.isEmpty else { return nil }
        // Swift's parser wants a digit before the point (".5" fails), so add one.
        var normalized = text
        if let point = normalized.firstIndex(of: "."), point == normalized.startIndex || !normalized[normalized.index(before: point)].isNumber {
            normalized.insert("0", at: point)
        }
        return Double(normalized).map { .float($0) }
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}
