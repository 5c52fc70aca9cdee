/// One reply from Redis, in RESP2 (the protocol every Redis since 2.0 speaks by default).
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a status line.
    case simpleString(String)
    /// `-ERR …`: the server refused the command. ``RedisClient`` throws these as ``RedisError``.
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$3\r\nabc`: binary-safe bytes.
    case bulkString([UInt8])
    /// `$-1` or `*-1`: no value (a missing key, or Lua's `false`).
    case null
    /// `*2\r\n…`: a list of replies.
    case array([RESPValue])

    /// The text of a status line or of a bulk string (UTF-8); nil for anything else.
    public var stringValue: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// An integer reply, or a string holding a decimal integer (how Redis stores counters); nil otherwise.
    public var intValue: Int64? {
        switch self {
        case .integer(let value): value
        case .simpleString, .bulkString: self.stringValue.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply; nil for anything else.
    public var arrayValue: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}
