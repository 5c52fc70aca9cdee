#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network: an address and a prefix length, such as `10.0.0.0/8` or `::1/128`
/// (an entry of `server.trusted_proxies`).
///
/// A bare address is a network of one (`/32` or `/128`). Bits past the prefix are cleared,
/// so `10.1.2.3/8` is `10.0.0.0/8`.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network address, bits past the prefix cleared: 4 bytes for IPv4, 16 for IPv6.
    private let bytes: [UInt8]
    /// How many leading bits of an address must match: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Whether this is an IPv4 network.
    public var isIPv4: Bool { self.bytes.count == 4 }

    /// Parses `address` or `address/prefix`; `nil` unless the address is a valid IPv4
    /// (dotted decimal) or IPv6 address and the prefix a decimal length that fits it.
    public init?(_ text: String) {
        guard let parsed = Self.parse(text) else { return nil }
        self.bytes = parsed.bytes
        self.prefixLength = parsed.prefixLength
    }

    /// What is wrong with `text` as a network, for messages; `nil` when it is valid.
    static func problem(with text: String) -> Problem? {
        var addressText = Substring(text)
        if let slash = text.firstIndex(of: "/") {
            addressText = text[..<slash]
            guard let bytes = Self.addressBytes(String(addressText)) else { return .syntax }
            let digits = text[text.index(after: slash)...]
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy(\.isASCIIDigit), let length = Int(digits) else {
                return .syntax
            }
            let maximum = bytes.count * 8
            return length <= maximum ? nil : .prefixTooLong(length, maximum: maximum)
        }
        return Self.addressBytes(text) == nil ? .syntax : nil
    }

    enum Problem: Equatable {
        case syntax
        case prefixTooLong(Int, maximum: Int)
    }

    private static func parse(_ text: String) -> (bytes: [UInt8], prefixLength: Int)? {
        guard Self.problem(with: text) == nil else { return nil }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard var bytes = Self.addressBytes(String(parts[0])) else { return nil }
        let prefixLength = parts.count == 2 ? Int(parts[1])! : bytes.count * 8
        for index in bytes.indices {
            let keep = min(max(prefixLength - index * 8, 0), 8)
            bytes[index] &= keep == 0 ? 0 : ~UInt8(0) << (8 - keep)
        }
        return (bytes, prefixLength)
    }

    /// Whether `address`, a textual IPv4 or IPv6 address, is in this network.
    ///
    /// An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is also matched against IPv4 networks
    /// as the IPv4 address it stands for. A zone (`fe80::1%eth0`) or brackets around an IPv6
    /// address (`[::1]`) are ignored. Anything that is not an address is in no network.
    public func contains(_ address: String) -> Bool {
        var text = Substring(address)
        if text.hasPrefix("["), text.hasSuffix("]"), text.contains(":") {
            text = text.dropFirst().dropLast()
        }
        if let percent = text.firstIndex(of: "%") {
            text = text[..<percent]
        }
        guard var candidate = Self.addressBytes(String(text)) else { return false }
        if self.isIPv4, candidate.count == 16, candidate[0..<10].allSatisfy({ $0 == 0 }), candidate[10] == 0xFF, candidate[11] == 0xFF {
            candidate = Array(candidate[12...])
        }
        guard candidate.count == self.bytes.count else { return false }
        var remaining = self.prefixLength
        for index in candidate.indices where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = ~UInt8(0) << (8 - bits)
            guard candidate[index] & mask == self.bytes[index] else { return false }
            remaining -= bits
        }
        return true
    }

    /// `10.0.0.0/8`, `2001:db8::/32`, `::1/128`: the network in CIDR form, IPv6 compressed as RFC 5952 says.
    public var description: String {
        let family = self.isIPv4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let text = self.bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)).map { _ in
                String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return "\(text ?? "?")/\(self.prefixLength)"
    }

    /// The address's bytes (4 or 16), or `nil` when it is not a textual IPv4 or IPv6 address.
    /// IPv4 must be four decimal parts; a part with a leading zero is refused (it reads as octal elsewhere).
    static func addressBytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45, !text.utf8.contains(0) else { return nil }
        if text.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy(\.isASCIIDigit), part == "0" || !part.hasPrefix("0"),
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }
}
