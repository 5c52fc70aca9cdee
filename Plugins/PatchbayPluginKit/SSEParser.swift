/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The event type: the last `event:` field, or "message".
    public var type: String
    /// The `data:` lines, joined with "\n".
    public var data: String
    /// The last event ID seen so far in the stream (it carries over from earlier events), or "".
    public var id: String

    /// Creates an event.
    public init(type: String = "message", data: String, id: String = "") {
        self.type = type
        self.data = data
        self.id = id
    }
}

/// An incremental parser for `text/event-stream`, following the WHATWG HTML rules:
///
/// - lines end with LF, CR or CRLF, and a CR at the end of one read followed by LF at the start
///   of the next is one line end;
/// - a blank line dispatches the event; lines starting with ":" are comments;
/// - `data` lines are joined with "\n"; one space after the colon is removed;
/// - `event` sets the type, `id` the last event ID (ignored if it contains NUL), `retry` the
///   reconnection time (digits only); other fields are ignored;
/// - an event whose data is empty (no `data` line) is not dispatched;
/// - a byte order mark at the very start is dropped.
///
/// It works on bytes and decodes UTF-8 only when it dispatches, so an event (or a character)
/// may be split anywhere across reads. Unlike a browser, ``finish(_:)`` also delivers a last
/// event that the stream ended without a blank line after.
public struct SSEParser: Sendable {
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The last event ID seen, carried from event to event ("" for none).
    public private(set) var lastEventID = ""
    /// The reconnection time from the last valid `retry` field, in milliseconds.
    public private(set) var reconnectionTime: Int?

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType: [UInt8] = []
    private var idBuffer: [UInt8] = []
    private var afterCR = false
    private var bomMatched = 0
    private var bomDone = false

    /// Creates a parser for a new stream.
    public init() {}

    /// Feeds the next bytes of the stream, calling `onEvent` for each event they complete.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onEvent: (SSEEvent) throws -> Void) rethrows {
        var index = 0
        let count = bytes.count
        if !bomDone {
            while index < count, bomMatched < 3, bytes[index] == Self.bom[bomMatched] {
                bomMatched += 1
                index += 1
            }
            if bomMatched == 3 {
                bomDone = true
            } else if index < count {
                // Not a BOM after all: what looked like one is ordinary text.
                line.append(contentsOf: Self.bom[0..<bomMatched])
                bomDone = true
            } else {
                return  // every byte so far may still be the start of a BOM
            }
        }
        while index < count {
            if afterCR {
                afterCR = false
                if bytes[index] == 0x0A {
                    index += 1
                    continue
                }
            }
            var end = index
            while end < count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            if end > index { line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<end])) }
            if end == count { break }
            afterCR = bytes[end] == 0x0D
            try processLine(onEvent)
            index = end + 1
        }
    }

    /// Feeds bytes from any collection.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, _ onEvent: (SSEEvent) throws -> Void) rethrows {
        if let done = try bytes.withContiguousStorageIfAvailable({ buffer in
            try feed(UnsafeRawBufferPointer(buffer), onEvent)
        }) {
            return done
        }
        let array = Array(bytes)
        try array.withUnsafeBytes { try feed($0, onEvent) }
    }

    /// Feeds bytes and returns the events they complete.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [SSEEvent] {
        var events: [SSEEvent] = []
        feed(bytes) { events.append($0) }
        return events
    }

    /// Ends the stream: a pending last line is processed and an event still pending is
    /// delivered. The parser is then ready for a new stream (the last event ID carries over,
    /// as on a reconnection).
    public mutating func finish(_ onEvent: (SSEEvent) throws -> Void) rethrows {
        if !bomDone {
            line.append(contentsOf: Self.bom[0..<bomMatched])
        }
        if !line.isEmpty { try processLine(onEvent) }
        try dispatch(onEvent)
        line.removeAll(keepingCapacity: true)
        afterCR = false
        bomMatched = 0
        bomDone = false
    }

    /// Ends the stream and returns a last pending event, if any.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        finish { events.append($0) }
        return events
    }

    // MARK: Lines and fields

    private mutating func processLine(_ onEvent: (SSEEvent) throws -> Void) rethrows {
        defer { line.removeAll(keepingCapacity: true) }
        guard let first = line.first else {
            try dispatch(onEvent)
            return
        }
        if first == 0x3A { return }  // ":" comment
        let colon = line.firstIndex(of: 0x3A)
        let fieldEnd = colon ?? line.endIndex
        var valueStart = colon.map { $0 + 1 } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == 0x20 { valueStart += 1 }
        let field = line[0..<fieldEnd]
        let value = line[valueStart...]
        if field.elementsEqual("data".utf8) {
            data.append(contentsOf: value)
            data.append(0x0A)
        } else if field.elementsEqual("event".utf8) {
            eventType = Array(value)
        } else if field.elementsEqual("id".utf8) {
            if !value.contains(0) { idBuffer = Array(value) }
        } else if field.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ (0x30...0x39).contains($0) }) {
                var milliseconds = 0
                var overflow = false
                for digit in value where !overflow {
                    let (times, o1) = milliseconds.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times.addingReportingOverflow(Int(digit - 0x30))
                    overflow = o1 || o2
                    milliseconds = sum
                }
                if !overflow { reconnectionTime = milliseconds }
            }
        }
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) throws -> Void) rethrows {
        lastEventID = String(decoding: idBuffer, as: UTF8.self)
        guard !data.isEmpty else {
            eventType.removeAll(keepingCapacity: true)
            return
        }
        if data.last == 0x0A { data.removeLast() }
        let event = SSEEvent(
            type: eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self),
            data: String(decoding: data, as: UTF8.self),
            id: lastEventID)
        data.removeAll(keepingCapacity: true)
        eventType.removeAll(keepingCapacity: true)
        try onEvent(event)
    }
}
