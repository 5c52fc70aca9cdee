import NIOCore
import Testing

@testable import PatchbayServer

@Suite("POST /api/chat bodies: every refusal names the field at fault")
struct ChatRequestDecodingTests {
    @Test(
        "malformed bodies",
        arguments: [
            ("", "The request body is empty; send a JSON object.", nil),
            ("{", "The request body is not valid JSON.", nil),
            ("[1]", "The request body must be a JSON object.", nil),
            (#"{"messages":{}}"#, "messages must be a list.", "messages"),
            (#"{"messages":[1]}"#, "messages[0] must be an object.", "messages[0]"),
            (#"{"messages":[{"content":"hi"}]}"#, "messages[0].role is required.", "messages[0].role"),
            (#"{"messages":[{"role":"user","content":null}]}"#, "messages[0].content must be a string.", "messages[0].content"),
            (#"{"message":5}"#, "message must be a string.", "message"),
            (#"{"message":"hi","history":[{"text":"a"}]}"#, "history[0].sender is required.", "history[0].sender"),
            (#"{"message":"hi","stream":"yes"}"#, "stream must be true or false.", "stream"),
            (#"{"message":"hi","assistantType":["x"]}"#, "assistantType must be a string.", "assistantType"),
            (#"{"message":"hi","conversationId":7}"#, "conversationId must be a string.", "conversationId"),
            (#"{"message":"hi","model":false}"#, "model must be a string.", "model"),
        ] as [(String, String, String?)]
    )
    func refusals(body: String, message: String, field: String?) {
        #expect(throws: APIError(.invalidRequest, message, field: field)) { try ChatRequest.decode(ByteBuffer(string: body)) }
    }

    @Test("invalid UTF-8 is named as such, inside a string or outside")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x7B, 0x22, 0x6D, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], [0x7B, 0xC3, 0x7D]] {
            #expect(throws: APIError(.invalidRequest, "The request body is not valid UTF-8.", field: "body")) {
                try ChatRequest.decode(ByteBuffer(bytes: bytes))
            }
        }
    }

    @Test("both shapes read, nulls count as absent, unknown members are ignored")
    func shapes() throws {
        let messages = try ChatRequest.decode(ByteBuffer(string: #"{"messages":[{"role":"user","content":"hi"}],"stream":null,"x":{"y":[1]},"assistantType":"technical"}"#))
        #expect(messages.shape == .messages && messages.stream && messages.assistantType == "technical")
        #expect(messages.messages.map(\.content) == ["hi"])
        let widget = try ChatRequest.decode(ByteBuffer(string: #"{"message":"again","history":[{"text":"hi","sender":"user","timestamp":1},{"text":"yo","sender":"bot"}],"model":"m"}"#))
        #expect(widget.shape == .messageAndHistory && !widget.stream && widget.hints == ["m"])
        #expect(widget.messages.map(\.content) == ["hi", "yo", "again"])
        #expect(widget.messages.map(\.role) == [.user, .assistant, .user])
    }
}

@Suite("Door members: whole numbers")
struct DoorIntegerTests {
    @Test("a whole number past Int reads as Int.max; a fraction, a string or one below the minimum is refused")
    func hugeIntegers() throws {
        func read(_ json: String) throws(TurnError) -> Int? {
            try JSONRequestBody(ByteBuffer(string: #"{"n":\#(json)}"#)).integer("n", atLeast: 1)
        }
        #expect(try read("12") == 12)
        #expect(try read("1e30") == Int.max)
        #expect(try read("100000000000000000000000") == Int.max)
        #expect(try read("null") == nil)
        for bad in ["0", "2.5", "\"7\"", "-1e30", "1e30.5"] {
            #expect(throws: TurnError.self, "\(bad)") { try read(bad) }
        }
    }
}
