/// How the server logs (the `logging:` section).
public struct LoggingSettings: Sendable {
    /// How log lines are written.
    public enum Format: String, Sendable {
        /// One JSON object per line (the default).
        case json
        /// Human-readable lines.
        case text
    }

    /// The lowest level logged, one of ``levels`` (lowercase); `info` unless the file's
    /// `level:` or the `LOG_LEVEL` environment variable (which wins) says otherwise.
    public var level: String
    /// How log lines are written (`format:`, default `json`).
    public var format: Format
    /// Whether chat text (messages and replies) may appear in logs (`include_message_text:`,
    /// default `false`): an explicit opt-in, since it is the users' data.
    public var includeMessageText: Bool

    /// The accepted levels, lowest first; swift-log's `Logger.Level` raw values.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    /// The default level, `info`.
    public static let defaultLevel = "info"

    /// Creates logging settings.
    public init(level: String = LoggingSettings.defaultLevel, format: Format = .json, includeMessageText: Bool = false) {
        self.level = level
        self.format = format
        self.includeMessageText = includeMessageText
    }
}
