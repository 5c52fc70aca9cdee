/// Builds the keys rate limit counters are kept under.
///
/// The caller is its API key id when it sent one, else its client address. An IPv6 address is cut
/// to its network prefix (a /64 by default): one subscriber usually holds a whole /64, so counting
/// single IPv6 addresses would let a caller rotate through billions of them.
public enum RateLimitKey {
    /// The key for a caller: `key:<id>` for an API key id, else `addr:<address>`.
    ///
    /// - Parameters:
    ///   - apiKeyID: The id of the caller's API key, if it authenticated with one (empty counts as none).
    ///   - clientAddress: The client's IP address, without a port; `[...]` brackets and a `%zone`
    ///     are accepted. An IPv4-mapped IPv6 address counts as its IPv4 address. Text that is not
    ///     an IP address is used as it is.
    ///   - ipv6PrefixLength: How many leading bits of an IPv6 address identify a caller (0...128).
    public static func caller(apiKeyID: String?, clientAddress: String, ipv6PrefixLength: Int = 64) -> String {
        if let apiKeyID, !apiKeyID.isEmpty {
            return "key:" + apiKeyID
        }
        return "addr:" + Self.normalizedAddress(clientAddress, ipv6PrefixLength: ipv6PrefixLength)
    }

    /// `key` counted separately per assistant, for limits that apply to each assistant on its own
    /// rather than to the caller as a whole. The assistant's name is length-prefixed, so no two
    /// pairs give the same key.
    public static func scoped(_ key: String, assistant: String) -> String {
        "assistant:\(assistant.utf8.count):\(assistant)|\(key)"
    }

    /// The canonical text of an IP address (an IPv6 one cut to `ipv6PrefixLength` bits, written as
    /// eight full groups and the prefix length); anything else unchanged.
    static func normalizedAddress(_ address: String, ipv6PrefixLength: Int) -> String {
        var text = Substring(address)
        if text.hasPrefix("["), text.hasSuffix("]") {
            text = text.dropFirst().dropLast()
        }
        if let ipv4 = Self.parseIPv4(text) {
            return ipv4.map(String.init).joined(separator: ".")
        }
        if let zone = text.firstIndex(of: "%") {
            text = text[..<zone]
        }
        guard var groups = Self.parseIPv6(text) else { return address }
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xffff {
            return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].map(String.init).joined(separator: ".")
        }
        let prefix = Swift.min(128, Swift.max(0, ipv6PrefixLength))
        for index in groups.indices {
            let kept = Swift.min(16, Swift.max(0, prefix - index * 16))
            groups[index] &= kept == 0 ? 0 : UInt16.max << (16 - kept)
        }
        let written = groups.map { String($0, radix: 16) }.joined(separator: ":")
        return prefix == 128 ? written : "\(written)/\(prefix)"
    }

    /// The four bytes of a dotted-quad IPv4 address.
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                let byte = UInt8(part)
            else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The eight groups of an IPv6 address (with `::` and an IPv4 tail allowed).
    static func parseIPv6(_ text: Substring) -> [UInt16]? {
        var text = text
        var tail: [UInt16] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let ipv4 = Self.parseIPv4(text[text.index(after: lastColon)...]) else { return nil }
            tail = [UInt16(ipv4[0]) << 8 | UInt16(ipv4[1]), UInt16(ipv4[2]) << 8 | UInt16(ipv4[3])]
            text = text[...lastColon]
            if !text.hasSuffix("::") {
                text = text.dropLast()
            }
        }

        func groups(_ part: Substring) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), group.allSatisfy(\.isHexDigit), let value = UInt16(group, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }

        if let gap = text.firstRange(of: "::") {
            guard let head = groups(text[..<gap.lowerBound]), let rest = groups(text[gap.upperBound...]) else { return nil }
            let known = head.count + rest.count + tail.count
            guard known <= 7 else { return nil }
            return head + Array(repeating: 0, count: 8 - known) + rest + tail
        }
        guard let all = groups(text), all.count + tail.count == 8 else { return nil }
        return all + tail
    }
}
