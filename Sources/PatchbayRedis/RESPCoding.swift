import NIOCore

/// RESP2 on the wire: commands out as arrays of bulk strings, replies in as ``RESPValue``s.
enum RESP {
    /// The largest bulk string accepted (Redis's own `proto-max-bulk-len` default).
    static let maximumBulkLength = 512 * 1024 * 1024
    /// How deeply arrays may nest in a reply (a script's reply is two levels deep).
    static let maximumDepth = 32

    /// `*N\r\n$len\r\narg\r\n…`: a command as Redis reads it.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }

    /// Reads one whole reply from the front of `buffer`; nil, with `buffer` untouched, when it
    /// has not all arrived yet.
    static func parse(_ buffer: inout ByteBuffer) throws(RedisError) -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RESPValue? {
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let line = try readLine(&buffer) else { return nil }
        let text = line.dropFirst()
        switch marker {
        case UInt8(ascii: "+"):
            return .simpleString(String(text))
        case UInt8(ascii: "-"):
            return .error(String(text))
        case UInt8(ascii: ":"):
            guard let value = Int64(text) else { throw violation("an integer reply is not a number") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(text), length >= -1, length <= maximumBulkLength else { throw violation("a bulk string has a bad length") }
            if length == -1 { return .null }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readBytes(length: length) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw violation("a bulk string does not end with CRLF") }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(text), count >= -1 else { throw violation("an array has a bad length") }
            if count == -1 { return .null }
            guard depth < maximumDepth else { throw violation("arrays nest too deeply") }
            var elements: [RESPValue] = []
            elements.reserveCapacity(Swift.min(count, 1024))
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw violation("unknown reply type byte \(marker)")
        }
    }

    /// The line at the front of `buffer`, without its CRLF; nil when its end has not arrived.
    private static func readLine(_ buffer: inout ByteBuffer) throws(RedisError) -> Substring? {
        let end = buffer.withUnsafeReadableBytes { $0.firstIndex(of: UInt8(ascii: "\r")) }
        guard let end, buffer.readableBytes > end + 1 else {
            // A line longer than any bulk header or status Redis sends means a broken stream.
            if buffer.readableBytes > 64 * 1024, end == nil { throw violation("a reply line is too long") }
            return nil
        }
        guard let line = buffer.readString(length: end) else { return nil }
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw violation("a reply line does not end with CRLF") }
        return Substring(line)
    }

    private static func violation(_ message: String) -> RedisError {
        RedisError(code: .protocolViolation, message: "the server's reply is not RESP2: \(message)")
    }
}

/// Splits the inbound bytes into whole replies.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try RESP.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
