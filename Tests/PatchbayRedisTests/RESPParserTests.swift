import NIOCore
import Testing

@testable import PatchbayRedis

@Suite("RESP2 on the wire")
struct RESPParserTests {
    static func parse(_ text: String) throws -> (RESPValue?, left: Int) {
        var buffer = ByteBuffer(string: text)
        let value = try RESP.parse(&buffer)
        return (value, buffer.readableBytes)
    }

    @Test("every reply type, and the bytes after it are left for the next")
    func replyTypes() throws {
        let (status, left) = try Self.parse("+OK\r\n+next")
        #expect(status == .simpleString("OK") && left == 5)
        #expect(try Self.parse("-ERR wrong\r\n").0 == .error("ERR wrong"))
        #expect(try Self.parse(":-42\r\n").0 == .integer(-42))
        #expect(try Self.parse("$5\r\na\r\nb\0\r\n").0 == .bulkString(Array("a\r\nb\0".utf8)))
        #expect(try Self.parse("$0\r\n\r\n").0 == .bulkString([]))
        #expect(try Self.parse("$-1\r\n").0 == .null)
        #expect(try Self.parse("*-1\r\n").0 == .null)
        let nested = try Self.parse("*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n+end\r\n").0
        #expect(nested == .array([.integer(1), .array([.bulkString([UInt8(ascii: "x")]), .null]), .simpleString("end")]))
    }

    @Test("a reply cut anywhere is not read until it is whole", arguments: ["*2\r\n$3\r\nabc\r\n:7\r\n", "$10\r\n0123456789\r\n", "+PONG\r\n"])
    func partialReplies(whole: String) throws {
        let bytes = Array(whole.utf8)
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            #expect(try RESP.parse(&buffer) == nil, "cut at \(cut)")
            #expect(buffer.readableBytes == cut)
        }
        var buffer = ByteBuffer(bytes: bytes)
        #expect(try RESP.parse(&buffer) != nil)
        #expect(buffer.readableBytes == 0)
    }

    @Test("what is not RESP2 is refused as a protocol violation", arguments: ["?what\r\n", ":12a\r\n", "$-2\r\n", "$3\r\nabcde\r\n", "+OK\rX"])
    func violations(text: String) {
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            (error as? RedisError)?.code == .protocolViolation
        }
    }

    @Test("a command goes out as an array of bulk strings, byte counts in UTF-8")
    func encoding() {
        var buffer = ByteBuffer()
        RESP.encode(["SET", "clé", ""], into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$4\r\nclé\r\n$0\r\n\r\n")
    }

    @Test("a script's SHA-1 is the one Redis computes")
    func scriptDigest() {
        // SHA-1 of "return 1", as `SCRIPT LOAD "return 1"` answers.
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
