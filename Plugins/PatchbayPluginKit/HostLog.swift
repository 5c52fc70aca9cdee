import CPatchbayPlugin

/// Writes log lines through the host's logger (the services table's `log` function).
///
/// The host tags each line with the instance's provider name. Never log settings, API keys or
/// message text from users: the host writes what it is given.
///
/// `HostLog` is a value that is cheap to copy and safe to use from any thread, as long as the
/// instance it was made for has not been destroyed.
public struct HostLog: Sendable {
    /// How important a log line is, in the order of swift-log's levels.
    public enum Level: Int32, Sendable, Comparable {
        /// Very detailed tracing.
        case trace = 0
        /// Debugging details.
        case debug = 1
        /// Normal operation worth noting.
        case info = 2
        /// Something unusual that did not stop the work.
        case warning = 3
        /// A failure.
        case error = 4

        /// Orders levels from `trace` to `error`.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let write: @Sendable (Level, String) -> Void

    /// Creates a log that hands each line to `write` (for tests, or to log somewhere else).
    public init(_ write: @escaping @Sendable (Level, String) -> Void) {
        self.write = write
    }

    /// Creates a log that writes through the host's services table.
    ///
    /// The table must stay valid for as long as the log is used (the ABI guarantees it until
    /// `instance_destroy` returns). A table without a `log` function gives a log that drops lines.
    init(services: UnsafePointer<patchbay_host_services>) {
        let minimumSize = MemoryLayout<patchbay_host_services>.offset(of: \.log)! + MemoryLayout<UnsafeRawPointer>.size
        guard Int(services.pointee.struct_size) >= minimumSize, let log = services.pointee.log else {
            self.write = { _, _ in }
            return
        }
        let context = UncheckedSendable(services.pointee.host_context)
        self.write = { level, message in
            var message = message
            message.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { text in
                    log(context.value, level.rawValue, text.baseAddress, text.count)
                }
            }
        }
    }

    /// A log that drops every line.
    public static let disabled = HostLog { _, _ in }

    /// Writes one line at `level`.
    public func log(_ level: Level, _ message: String) {
        write(level, message)
    }

    /// Writes one line at the trace level.
    public func trace(_ message: String) { write(.trace, message) }
    /// Writes one line at the debug level.
    public func debug(_ message: String) { write(.debug, message) }
    /// Writes one line at the info level.
    public func info(_ message: String) { write(.info, message) }
    /// Writes one line at the warning level.
    public func warning(_ message: String) { write(.warning, message) }
    /// Writes one line at the error level.
    public func error(_ message: String) { write(.error, message) }
}

/// Carries a value the compiler cannot prove `Sendable` across threads; the code that uses it
/// explains why that is safe.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
