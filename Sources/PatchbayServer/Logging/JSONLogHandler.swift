import Foundation
import Logging
import PatchbayJSON
import Synchronization

/// A swift-log handler that writes one JSON object per line:
/// `{"time":"2026-11-22T13:22:31.123Z","level":"info","label":"patchbay","message":"…", metadata…}`.
///
/// Metadata whose key names a credential (`authorization`, `api_key`, `password`, …) is written
/// as `"[redacted]"` whatever its value, so a mistake elsewhere cannot put a key in the log.
public struct JSONLogHandler: LogHandler {
    /// The handler's own metadata, merged under each line's.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level written.
    public var logLevel: Logger.Level
    private let label: String
    private let output: JSONLogOutput

    /// Creates a handler writing to `output` (standard error by default).
    public init(label: String, level: Logger.Level = .info, output: JSONLogOutput = .standardError) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?) {
        var line = #"{"time":"# + JSONText.string(Self.timestamp()) + #","level":""# + level.rawValue
            + #"","label":"# + JSONText.string(label) + #","message":"# + JSONText.string(message.description)
        let merged = explicit.map { metadata.merging($0) { $1 } } ?? metadata
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += "," + JSONText.string(key) + ":" + (Self.isCredential(key) ? #""[redacted]""# : Self.json(value))
        }
        output.write(line + "}\n")
    }

    /// Whether a metadata key names a credential.
    static func isCredential(_ key: String) -> Bool {
        // Byte search over the ASCII-lowered key: it runs for every key of every line, and
        // Foundation's `lowercased().contains` was a tenth of a request's CPU.
        var lowered = Array(key.utf8)
        for index in lowered.indices where lowered[index] &- UInt8(ascii: "A") < 26 { lowered[index] |= 0x20 }
        return credentialWords.contains { word in
            guard word.count <= lowered.count else { return false }
            return (0...(lowered.count - word.count)).contains { start in
                lowered[start..<(start + word.count)].elementsEqual(word)
            }
        }
    }

    private static let credentialWords = ["authorization", "api_key", "apikey", "api-key", "x-api-key", "password", "secret", "cookie"]
        .map { Array($0.utf8) }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return JSONText.string(text)
        case .stringConvertible(let convertible):
            // Numbers and booleans stay JSON numbers and booleans, so log tools can compare them.
            // Concrete casts first: a cast to `any BinaryInteger` searches conformances.
            if let number = convertible as? Int { return String(number) }
            if let number = convertible as? Double { return number.isFinite ? number.description : JSONText.string(number.description) }
            if let bool = convertible as? Bool { return bool ? "true" : "false" }
            if let number = convertible as? any BinaryInteger { return "\(number)" }
            return JSONText.string(convertible.description)
        case .array(let values): return "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let values):
            return "{" + values.sorted { $0.key < $1.key }
                .map { JSONText.string($0.key) + ":" + (isCredential($0.key) ? #""[redacted]""# : json($0.value)) }
                .joined(separator: ",") + "}"
        }
    }

    /// Now in UTC as `2026-11-22T13:22:31.123Z`, written by hand: Foundation's ISO 8601 format
    /// style cost more than the rest of the line.
    static func timestamp(_ time: timespec = now()) -> String {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) -> String { String(zeroPadded: value, width: width) }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2)
            + "T" + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2)
            + "." + digits(Int32(time.tv_nsec / 1_000_000), 3) + "Z"
    }

    private static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }
}

/// Where JSON log lines go. Each line is written whole, under a lock, so lines from
/// concurrent requests never interleave.
public final class JSONLogOutput: Sendable {
    private let sink: Mutex<@Sendable (String) -> Void>

    /// Lines go to `write`.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.sink = Mutex(write)
    }

    /// Standard error, flushed after every line.
    public static let standardError = JSONLogOutput { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    func write(_ line: String) {
        sink.withLock { $0(line) }
    }
}
