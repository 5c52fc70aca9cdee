/// One write's worth of a streamed response: usually one SSE event.
struct Frame: Sendable {
    var bytes: [UInt8]
    /// The index of the text delta this frame carries, if it carries one.
    var deltaIndex: Int?

    init(_ text: String, deltaIndex: Int? = nil) {
        self.bytes = Array(text.utf8)
        self.deltaIndex = deltaIndex
    }
}

/// How a streamed response ends.
enum StreamEnding: Sendable, Equatable {
    /// The provider's normal ending, then the final HTTP chunk.
    case finish
    /// Close the connection: no final chunk.
    case drop
    /// Send nothing more until the client goes away.
    case hang
}

/// Everything a streamed response writes, in order, and how it ends.
struct StreamPlan: Sendable {
    var frames: [Frame]
    var ending: StreamEnding

    /// Lays out a stream from a provider's pieces and the scenario's faults.
    static func make(
        scenario: FakeScenario,
        deltas: [String],
        preamble: [String],
        delta: (String) -> String,
        between: String?,
        malformed: String,
        errorEvent: String,
        tail: [String]
    ) -> StreamPlan {
        var frames = preamble.map { Frame($0) }
        var count = deltas.count
        var ending = StreamEnding.finish
        if let k = scenario.dropAfter {
            count = min(k, count)
            ending = .drop
        } else if let k = scenario.hangAfter {
            count = min(k, count)
            ending = .hang
        }
        for i in 0..<count {
            if i > 0, let between { frames.append(Frame(between)) }
            frames.append(Frame(delta(deltas[i]), deltaIndex: i))
            if i == 0 {
                if scenario.malformed { frames.append(Frame(malformed)) }
                if scenario.errorEvent {
                    frames.append(Frame(errorEvent))
                    return StreamPlan(frames: frames, ending: ending)
                }
            }
        }
        if ending == .finish {
            frames += tail.map { Frame($0) }
        }
        return StreamPlan(frames: frames, ending: ending)
    }
}

enum Splitter {
    /// Cuts bytes into pieces of at most `size` bytes, also cutting right after the lead byte
    /// of every multi-byte UTF-8 character so that such characters always straddle two pieces.
    static func pieces(of bytes: [UInt8], size: Int) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in bytes {
            current.append(byte)
            let isLeadOfMultiByte = byte >= 0xC0
            if current.count >= size || isLeadOfMultiByte {
                pieces.append(current)
                current = []
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
