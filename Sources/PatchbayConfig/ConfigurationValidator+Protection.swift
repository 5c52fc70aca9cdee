import PatchbayRateLimit

/// The protection vocabulary: the server's limits and headers, `limits` and `logging` (`auth` is
/// in ConfigurationValidator+Auth.swift).
///
/// No message here shows an API key, or what was written where a digest or a variable name
/// belongs (it may be a key pasted in the wrong place).
extension ConfigurationValidator {
    static let authKeys = ["enabled", "keys", "max_failures_per_minute"]
    static let apiKeyKeys = ["id", "sha256", "key_env", "assistants", "limits", "admin"]
    static let limitKeys = ["requests_per_minute", "requests_per_hour", "requests_per_day", "tokens_per_day", "burst"]
    /// Limits of the top-level `limits:` section only: they count connections, not chat turns.
    static let connectionLimitKeys = ["websocket_connections_per_minute"]
    /// Where the counters live: the top-level `limits:` section only.
    static let limitStoreKeys = ["store", "on_store_failure", "store_timeout_ms"]
    static let loggingKeys = ["level", "format", "include_message_text"]

    static let expectedOrigin = #""*" or an origin such as https://shop.example (http or https, a host and an optional port, no path)"#
    static let expectedLevel = "one of \(LoggingSettings.levels.joined(separator: ", "))"

    // MARK: server

    /// The `server:` keys past `host` and `port`.
    mutating func readProtection(_ fields: [String: Field], in scope: Scope, into settings: inout ServerSettings) {
        if let items = self.items(fields["cors_origins"]?.unlessNull, in: scope, expected: "a list of origins") {
            settings.corsOrigins = items.compactMap { item in
                guard let text = self.string(item, in: scope) else { return nil }
                guard let origin = Self.normalizedOrigin(text) else {
                    self.reportInvalid(item, in: scope, expected: Self.expectedOrigin)
                    return nil
                }
                return origin
            }
        }
        if let bytes = self.integer(
            fields["max_body_bytes"]?.unlessNull, in: scope, range: 1...ServerSettings.maximumMaxBodyBytes,
            expected: "an integer from 1 to \(ServerSettings.maximumMaxBodyBytes)"
        ) {
            settings.maxBodyBytes = bytes
        }
        if let items = self.items(fields["trusted_proxies"]?.unlessNull, in: scope, expected: "a list of IP addresses or CIDR blocks") {
            settings.trustedProxies = items.compactMap { item in
                guard let text = self.string(item, in: scope) else { return nil }
                switch IPNetwork.problem(with: text) {
                case nil:
                    return IPNetwork(text)
                case .syntax:
                    self.reportInvalid(item, in: scope, expected: "an IPv4 or IPv6 address or a CIDR block such as 10.0.0.0/8")
                case .prefixTooLong(let length, let maximum):
                    let family = maximum == 32 ? "IPv4" : "IPv6"
                    let message = "\(scope.prefix)\(item.name): prefix length \(length) is too long for an \(family) address (at most \(maximum))"
                    self.report(.invalidValue, at: item.value.location, message)
                }
                return nil
            }
        }
        let atLeastOne = "an integer of at least 1"
        if let chars = self.integer(fields["max_message_chars"]?.unlessNull, in: scope, range: 1...Int.max, expected: atLeastOne) {
            settings.maxMessageChars = chars
        }
        if let messages = self.integer(fields["max_messages"]?.unlessNull, in: scope, range: 1...Int.max, expected: atLeastOne) {
            settings.maxMessages = messages
        }
        let milliseconds = "a number of milliseconds from 1 to 3600000"
        if let timeout = self.integer(fields["header_timeout_ms"]?.unlessNull, in: scope, range: 1...3_600_000, expected: milliseconds) {
            settings.headerTimeoutMilliseconds = timeout
        }
        if let timeout = self.integer(fields["body_timeout_ms"]?.unlessNull, in: scope, range: 1...3_600_000, expected: milliseconds) {
            settings.bodyTimeoutMilliseconds = timeout
        }
        if let grace = self.integer(fields["shutdown_grace_ms"]?.unlessNull, in: scope, range: 0...3_600_000,
                                    expected: "a number of milliseconds from 0 to 3600000") {
            settings.shutdownGraceMilliseconds = grace
        }
        let buffer = ServerSettings.streamBufferBytesRange
        if let bytes = self.integer(fields["stream_buffer_bytes"]?.unlessNull, in: scope, range: buffer,
                                    expected: "an integer from \(buffer.lowerBound) to \(buffer.upperBound)") {
            settings.streamBufferBytes = bytes
        }
        if let streams = self.integer(fields["max_streams_per_caller"]?.unlessNull, in: scope, range: 1...Int.max, expected: atLeastOne) {
            settings.maxStreamsPerCaller = streams
        }
        if let bytes = self.integer(
            fields["websocket_max_message_bytes"]?.unlessNull, in: scope, range: 1...ServerSettings.maximumMaxBodyBytes,
            expected: "an integer from 1 to \(ServerSettings.maximumMaxBodyBytes)"
        ) {
            settings.webSocketMaxMessageBytes = bytes
        }
        if let chats = self.integer(fields["websocket_max_chats_per_socket"]?.unlessNull, in: scope, range: 1...Int.max, expected: atLeastOne) {
            settings.webSocketMaxChatsPerSocket = chats
        }
        if let field = fields["strict_transport_security"]?.unlessNull, let value = self.string(field, in: scope) {
            if Self.isValidStrictTransportSecurity(value) {
                settings.strictTransportSecurity = value
            } else {
                let expected = #"a header value with a max-age directive, such as "max-age=63072000; includeSubDomains""#
                self.reportInvalid(field, in: scope, expected: expected)
            }
        }
    }

    /// `ALLOWED_ORIGINS` and `LOG_LEVEL`, which win over the file; empty ones are ignored.
    mutating func applyEnvironment(to server: inout ServerSettings, logging: inout LoggingSettings) {
        if let list = self.environment["ALLOWED_ORIGINS"] {
            let entries = list.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
            if !entries.isEmpty {
                var origins: [String] = []
                for entry in entries {
                    guard let origin = Self.normalizedOrigin(entry) else {
                        let expected = "a comma-separated list of \(Self.expectedOrigin)"
                        let message = "the ALLOWED_ORIGINS environment variable must be \(expected), found \(entry.quotedForMessage)"
                        self.report(.invalidEnvironment, at: nil, message)
                        continue
                    }
                    origins.append(origin)
                }
                server.corsOrigins = origins
            }
        }
        if let level = self.environment["LOG_LEVEL"], !level.isEmpty {
            if LoggingSettings.levels.contains(level.lowercased()) {
                logging.level = level.lowercased()
            } else {
                let message = "the LOG_LEVEL environment variable must be \(Self.expectedLevel), found \(level.quotedForMessage)"
                self.report(.invalidEnvironment, at: nil, message)
            }
        }
    }

    /// `*`, or `scheme://host[:port]` as browsers send it in `Origin`: scheme and host lowercased,
    /// IPv6 hosts in brackets and compressed, a default port dropped; `nil` when `text` is neither.
    static func normalizedOrigin(_ text: String) -> String? {
        if text == "*" { return "*" }
        guard let separator = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[separator.upperBound...]
        var host: String
        var port: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"),
                let network = IPNetwork(String(rest[rest.index(after: rest.startIndex)..<close])), !network.isIPv4
            else { return nil }
            host = "[\(network.description.prefix { $0 != "/" })]"
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                port = after.dropFirst()
            }
        } else {
            var name = rest
            if let colon = rest.firstIndex(of: ":") {
                name = rest[..<colon]
                port = rest[rest.index(after: colon)...]
            }
            guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
            for label in name.split(separator: ".", omittingEmptySubsequences: false) {
                guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                    label.utf8.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || $0 == UInt8(ascii: "-") })
                else { return nil }
            }
            host = name.lowercased()
        }
        var origin = "\(scheme)://\(host)"
        if let port {
            guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy(\.isASCIIDigit), let number = Int(port),
                (1...65535).contains(number)
            else { return nil }
            if number != (scheme == "https" ? 443 : 80) {
                origin += ":\(number)"
            }
        }
        return origin
    }

    /// A single-line, printable value with a `max-age=<seconds>` directive.
    static func isValidStrictTransportSecurity(_ value: String) -> Bool {
        guard value.unicodeScalars.allSatisfy({ (0x20..<0x7F).contains($0.value) || $0 == "\t" }) else { return false }
        return value.split(separator: ";").contains { directive in
            let parts = directive.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].trimmingASCIIWhitespace().lowercased() == "max-age" else { return false }
            var seconds = Substring(parts[1].trimmingASCIIWhitespace())
            if seconds.count >= 2, seconds.hasPrefix("\""), seconds.hasSuffix("\"") {
                seconds = seconds.dropFirst().dropLast()
            }
            return !seconds.isEmpty && seconds.utf8.allSatisfy(\.isASCIIDigit)
        }
    }

    // MARK: limits

    /// The top-level `limits:` section: the per-caller policy, `websocket_connections_per_minute` if
    /// set, and where the counters live.
    mutating func limits(section: Field) -> (RateLimitPolicy, webSocketConnectionsPerMinute: Int?, store: LimitStoreSettings) {
        let known = Self.limitKeys + Self.connectionLimitKeys + Self.limitStoreKeys
        guard let entries = self.sectionEntries(section, shape: "a mapping with keys \(known.joined(separator: ", "))") else {
            return (.unlimited, nil, LimitStoreSettings())
        }
        let scope = Scope.section("limits")
        let fields = self.knownFields(of: entries, in: scope, known: known)
        let connections = self.integer(fields["websocket_connections_per_minute"]?.unlessNull, in: scope, range: 1...Int.max,
                                       expected: "an integer of at least 1")
        return (self.policy(fields, in: scope), connections, self.limitStore(fields, in: scope))
    }

    /// `store` (a Redis URL, `${VARIABLE}`s resolved), `on_store_failure` and `store_timeout_ms`.
    /// Messages never repeat the URL (it may hold a password).
    private mutating func limitStore(_ fields: [String: Field], in scope: Scope) -> LimitStoreSettings {
        var settings = LimitStoreSettings()
        if let field = fields["store"]?.unlessNull, let text = self.string(field, in: scope),
            let resolved = self.serverURL(text, field: field, in: scope) {
            do {
                settings.redisURL = try RedisURL(parsing: resolved)
            } catch {
                self.report(.invalidValue, at: field.value.location, "\(scope.prefix)store is not a Redis URL: \(error.message)")
            }
        }
        if let field = fields["on_store_failure"]?.unlessNull, let text = self.string(field, in: scope) {
            if let policy = LimitStoreSettings.FailurePolicy(rawValue: text.lowercased()) {
                settings.onFailure = policy
            } else {
                self.reportInvalid(field, in: scope, expected: "allow or deny")
            }
        }
        if let timeout = self.integer(fields["store_timeout_ms"]?.unlessNull, in: scope, range: 1...60_000,
                                      expected: "a number of milliseconds from 1 to 60000") {
            settings.timeoutMilliseconds = timeout
        }
        return settings
    }

    /// A `limits:` key inside an assistant or an auth key (`outer`); messages name it `limits.<key>`.
    mutating func limits(_ field: Field, in outer: Scope) -> RateLimitPolicy {
        guard let entries = field.value.mappingEntries else {
            self.reportInvalid(field, in: outer, expected: "a mapping with keys \(Self.limitKeys.joined(separator: ", "))")
            return .unlimited
        }
        let scope = Scope(placement: "\(outer.placement) under 'limits'", prefix: "\(outer.prefix)limits.")
        return self.limits(entries, in: scope)
    }

    private mutating func limits(_ entries: [YAMLMappingEntry], in scope: Scope) -> RateLimitPolicy {
        self.policy(self.knownFields(of: entries, in: scope, known: Self.limitKeys), in: scope)
    }

    private mutating func policy(_ fields: [String: Field], in scope: Scope) -> RateLimitPolicy {
        func limit(_ key: String) -> Int? {
            self.integer(fields[key]?.unlessNull, in: scope, range: 1...Int.max, expected: "an integer of at least 1")
        }
        return RateLimitPolicy(
            requestsPerMinute: limit("requests_per_minute"),
            requestsPerHour: limit("requests_per_hour"),
            requestsPerDay: limit("requests_per_day"),
            tokensPerDay: limit("tokens_per_day"),
            burst: limit("burst")
        )
    }

    // MARK: logging

    mutating func logging(_ section: Field) -> LoggingSettings {
        var settings = LoggingSettings()
        guard let entries = self.sectionEntries(section, shape: "a mapping with keys \(Self.loggingKeys.joined(separator: ", "))") else {
            return settings
        }
        let scope = Scope.section("logging")
        let fields = self.knownFields(of: entries, in: scope, known: Self.loggingKeys)
        if let field = fields["level"]?.unlessNull, let level = self.string(field, in: scope) {
            if LoggingSettings.levels.contains(level.lowercased()) {
                settings.level = level.lowercased()
            } else {
                self.reportInvalid(field, in: scope, expected: Self.expectedLevel)
            }
        }
        if let field = fields["format"]?.unlessNull, let format = self.string(field, in: scope) {
            if let format = LoggingSettings.Format(rawValue: format.lowercased()) {
                settings.format = format
            } else {
                self.reportInvalid(field, in: scope, expected: "json or text")
            }
        }
        if let include = self.boolean(fields["include_message_text"]?.unlessNull, in: scope) {
            settings.includeMessageText = include
        }
        return settings
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) }

    var hexValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = self.firstIndex(where: { !isSpace($0) }), let last = self.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
