import SeededRandom
import Testing

@testable import PatchbayPluginKit

/// One stream and what it must give.
struct SSECase: CustomTestStringConvertible, Sendable {
    let name: String
    let stream: [UInt8]
    let events: [SSEEvent]
    var lastEventID = ""
    var reconnectionTime: Int?

    init(_ name: String, _ stream: String, _ events: [SSEEvent], lastEventID: String = "", reconnectionTime: Int? = nil) {
        self.init(name, Array(stream.utf8), events, lastEventID: lastEventID, reconnectionTime: reconnectionTime)
    }

    init(_ name: String, _ stream: [UInt8], _ events: [SSEEvent], lastEventID: String = "", reconnectionTime: Int? = nil) {
        self.name = name
        self.stream = stream
        self.events = events
        self.lastEventID = lastEventID
        self.reconnectionTime = reconnectionTime
    }

    var testDescription: String { name }
}

private func message(_ data: String, type: String = "message", id: String = "") -> SSEEvent {
    SSEEvent(type: type, data: data, id: id)
}

let sseCases: [SSECase] = [
    SSECase("one event", "data: hello\n\n", [message("hello")]),
    SSECase("two events", "data: a\n\ndata: b\n\n", [message("a"), message("b")]),
    SSECase("data lines joined with LF", "data: a\ndata: b\ndata: c\n\n", [message("a\nb\nc")]),
    SSECase("CRLF line ends", "data: a\r\ndata: b\r\n\r\n", [message("a\nb")]),
    SSECase("CR line ends", "data: a\rdata: b\r\rdata: c\r\r", [message("a\nb"), message("c")]),
    SSECase("mixed line ends", "data: a\r\ndata: b\rdata: c\n\r\n", [message("a\nb\nc")]),
    SSECase("CRLF then LF is a blank line", "data: x\r\n\n", [message("x")]),
    SSECase("LF then CR is a blank line", "data: x\n\rdata: y\n\n", [message("x"), message("y")]),
    SSECase("CR CR is two line ends", "data: x\r\r", [message("x")]),
    SSECase("no space after the colon", "data:a\n\n", [message("a")]),
    SSECase("only one leading space removed", "data:  a \n\n", [message(" a ")]),
    SSECase("colon in the value", "data: a: b:c\n\n", [message("a: b:c")]),
    SSECase("comments ignored", ": hello\n:\ndata: x\n: bye\n\n", [message("x")]),
    SSECase("comment-only block dispatches nothing", ": keep-alive\n\n", []),
    SSECase("event type", "event: add\ndata: 1\n\ndata: 2\n\n", [message("1", type: "add"), message("2")]),
    SSECase("last event field wins", "event: a\nevent: b\ndata: 1\n\n", [message("1", type: "b")]),
    SSECase("empty event type is message", "event:\ndata: 1\n\n", [message("1")]),
    SSECase("block without data dispatches nothing and resets the type",
            "event: ping\n\ndata: 2\n\n", [message("2")]),
    SSECase("id carries over", "id: 7\ndata: a\n\ndata: b\n\n", [message("a", id: "7"), message("b", id: "7")], lastEventID: "7"),
    SSECase("id with NUL ignored", [UInt8]("id: 1\ndata: a\n\nid: 2\u{0}3\ndata: b\n\n".utf8),
            [message("a", id: "1"), message("b", id: "1")], lastEventID: "1"),
    SSECase("bare id resets it", "id: 5\ndata: a\n\nid\ndata: b\n\n", [message("a", id: "5"), message("b")]),
    SSECase("id set without data still counts", "id: 9\n\ndata: a\n\n", [message("a", id: "9")], lastEventID: "9"),
    SSECase("retry digits", "retry: 3000\ndata: a\n\n", [message("a")], reconnectionTime: 3000),
    SSECase("retry not digits ignored", "retry: 30a0\nretry: -1\nretry:\ndata: a\n\n", [message("a")]),
    SSECase("retry then bad retry keeps the good one", "retry: 10\nretry: x\n\n", [], reconnectionTime: 10),
    SSECase("bare data is an empty line of data", "data\n\n", [message("")]),
    SSECase("empty data dispatches an empty event", "data:\n\n", [message("")]),
    SSECase("two empty data lines", "data\ndata\n\n", [message("\n")]),
    SSECase("trailing empty data line", "data: a\ndata:\n\n", [message("a\n")]),
    SSECase("unknown fields ignored", "foo: bar\nDATA: no\ndata: x\n\n", [message("x")]),
    SSECase("field names are case-sensitive", "Data: x\n\n", []),
    SSECase("space before the colon is part of the name", "data : x\n\n", []),
    SSECase("BOM stripped", [0xEF, 0xBB, 0xBF] + Array("data: x\n\n".utf8), [message("x")]),
    SSECase("only the first BOM stripped", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Array("data: x\n\ndata: y\n\n".utf8), [message("y")]),
    SSECase("a partial BOM is text", [0xEF, 0xBB] + Array("data: x\n\ndata: y\n\n".utf8), [message("y")]),
    SSECase("UTF-8 text", "data: héllo wörld 🌍 中文\n\n", [message("héllo wörld 🌍 中文")]),
    SSECase("invalid UTF-8 replaced", [UInt8]("data: a".utf8) + [0xFF] + Array("b\n\n".utf8), [message("a\u{FFFD}b")]),
    SSECase("last event without a blank line", "data: a\n\ndata: last", [message("a"), message("last")]),
    SSECase("last event with one line end", "data: last\n", [message("last")]),
    SSECase("last event with a CR", "event: end\ndata: last\r", [message("last", type: "end")]),
    SSECase("empty stream", "", []),
    SSECase("only blank lines", "\n\n\r\n\r", []),
    SSECase("OpenAI-style stream",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" there\"}}]}\n\ndata: [DONE]\n\n",
            [message("{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}"), message("{\"choices\":[{\"delta\":{\"content\":\" there\"}}]}"), message("[DONE]")]),
    SSECase("Anthropic-style stream",
            "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\nevent: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\nevent: content_block_delta\r\ndata: {\"delta\":{\"text\":\"ok\"}}\r\n\r\n",
            [message("{\"type\":\"message_start\"}", type: "message_start"), message("{\"type\": \"ping\"}", type: "ping"),
             message("{\"delta\":{\"text\":\"ok\"}}", type: "content_block_delta")]),
]

/// Parses `stream` fed in pieces that end at `cuts` (ascending offsets), then finishes it.
private func parse(_ stream: [UInt8], cuts: [Int]) -> (events: [SSEEvent], parser: SSEParser) {
    var parser = SSEParser()
    var events: [SSEEvent] = []
    var start = 0
    for cut in cuts + [stream.count] where cut >= start {
        stream[start..<cut].withUnsafeBytes { parser.feed($0) { events.append($0) } }
        start = cut
    }
    parser.finish { events.append($0) }
    return (events, parser)
}

@Suite("SSE parser")
struct SSEParserTests {
    @Test("whole stream", arguments: sseCases)
    func whole(_ testCase: SSECase) {
        let (events, parser) = parse(testCase.stream, cuts: [])
        #expect(events == testCase.events)
        #expect(parser.lastEventID == testCase.lastEventID)
        #expect(parser.reconnectionTime == testCase.reconnectionTime)
    }

    @Test("one byte at a time", arguments: sseCases)
    func byteByByte(_ testCase: SSECase) {
        let (events, parser) = parse(testCase.stream, cuts: Array(0..<testCase.stream.count))
        #expect(events == testCase.events)
        #expect(parser.lastEventID == testCase.lastEventID)
    }

    @Test("every split into two reads", arguments: sseCases)
    func everyTwoWaySplit(_ testCase: SSECase) {
        for cut in 0...testCase.stream.count {
            let (events, _) = parse(testCase.stream, cuts: [cut])
            #expect(events == testCase.events, "split at \(cut)")
        }
    }

    @Test("random splits", arguments: sseCases)
    func randomSplits(_ testCase: SSECase) {
        var generator = SeededGenerator(seed: UInt64(truncatingIfNeeded: testCase.name.utf8.count * 7919))
        for _ in 0..<100 {
            var cuts: [Int] = []
            var position = 0
            while position < testCase.stream.count {
                position += Int.random(in: 1...max(1, min(7, testCase.stream.count)), using: &generator)
                cuts.append(min(position, testCase.stream.count))
            }
            let (events, _) = parse(testCase.stream, cuts: cuts)
            #expect(events == testCase.events, "cuts \(cuts)")
        }
    }

    @Test("all cases concatenated and split randomly give the same events as one read")
    func concatenated() {
        // A blank line after each case dispatches what it left pending; BOM cases are left out
        // (a BOM counts only at the very start).
        let stream = sseCases.filter { !$0.stream.starts(with: [0xEF]) }.flatMap { $0.stream + Array("\n\n".utf8) }
        let (expected, whole) = parse(stream, cuts: [])
        #expect(expected.count > 40)
        #expect(expected.contains(message("b", id: "7")))
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<50 {
            var cuts: [Int] = []
            var position = 0
            while position < stream.count {
                position += Int.random(in: 1...64, using: &generator)
                cuts.append(min(position, stream.count))
            }
            let (events, parser) = parse(stream, cuts: cuts)
            #expect(events == expected)
            #expect(parser.lastEventID == whole.lastEventID)
            #expect(parser.reconnectionTime == whole.reconnectionTime)
        }
    }

    @Test("a CR at the end of one read and LF at the start of the next is one line end")
    func crLFAcrossReads() {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        parser.feed(Array("data: a\r".utf8)) { events.append($0) }
        parser.feed(Array("\ndata: b\r".utf8)) { events.append($0) }
        parser.feed(Array("\n\r".utf8)) { events.append($0) }
        #expect(events == [message("a\nb")])
        parser.feed(Array("\n".utf8)) { events.append($0) }  // the LF after the last CR: no second blank line
        parser.feed(Array("data: c\n\n".utf8)) { events.append($0) }
        #expect(events == [message("a\nb"), message("c")])
    }

    @Test("an event is dispatched as soon as its blank line arrives")
    func incrementalDispatch() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: a\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [message("a")])
        #expect(parser.feed(Array("data: b\n".utf8)).isEmpty)
        #expect(parser.finish() == [message("b")])
    }

    @Test("a multi-byte character split between reads decodes whole")
    func splitCharacter() {
        let bytes = Array("data: 🌍\n\n".utf8)
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { parser.feed([byte]) { events.append($0) } }
        #expect(events == [message("🌍")])
    }

    @Test("finish resets the stream but keeps the last event ID")
    func finishResets() {
        var parser = SSEParser()
        _ = parser.feed(Array("id: 3\ndata: a\n\ndata: partial".utf8))
        #expect(parser.finish() == [message("partial", id: "3")])
        #expect(parser.finish().isEmpty)
        #expect(parser.feed([0xEF, 0xBB, 0xBF] + Array("data: b\n\n".utf8)) == [message("b", id: "3")])
    }
}
