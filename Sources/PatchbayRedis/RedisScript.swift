import Crypto

/// A Lua script for ``RedisClient/evaluate(_:keys:arguments:)``: its source and the SHA-1 Redis
/// knows it by.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The source's SHA-1 in lowercase hexadecimal, as `EVALSHA` takes it.
    public let sha1: String

    /// Creates a script from its source.
    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
