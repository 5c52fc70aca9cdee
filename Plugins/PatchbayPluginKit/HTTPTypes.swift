/// HTTP header fields in the order they were received or are to be sent. Names compare
/// case-insensitively.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header field.
    public struct Field: Sendable, Hashable {
        /// The field's name, as written.
        public var name: String
        /// The field's value, without surrounding white space.
        public var value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in order.
    public private(set) var fields: [Field]

    /// Creates headers from fields.
    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    /// Creates headers from name/value pairs, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// Appends a field.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        fields.removeAll { Self.sameName($0.name, name) }
        fields.append(Field(name: name, value: value))
    }

    /// The first value of the field named `name` (case-insensitive), or `nil`.
    public subscript(name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    /// Every value of the fields named `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    /// True if any field is named `name`.
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.sameName($0.name, name) }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}

/// Deadlines of one transfer. `nil` means no deadline.
public struct HTTPTimeouts: Sendable, Equatable {
    /// From the start of the transfer until the connection is up (TCP and TLS); enforced by
    /// libcurl (`CURLOPT_CONNECTTIMEOUT_MS`). A reused connection has no connect phase.
    public var connect: Duration?
    /// From the start of the transfer until the first byte of the response (head included).
    /// This includes any time spent connecting or waiting for a free connection.
    public var firstByte: Duration?
    /// The longest gap between two received bytes, once the first byte has arrived.
    public var idle: Duration?
    /// The whole transfer, from its start to its last byte.
    public var total: Duration?

    /// Creates deadlines. The defaults suit streamed chat completions.
    public init(
        connect: Duration? = .seconds(10),
        firstByte: Duration? = .seconds(120),
        idle: Duration? = .seconds(120),
        total: Duration? = .seconds(900)
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }
}

/// A request for ``HTTPTransport``.
public struct HTTPRequest: Sendable {
    /// The method: "GET", "POST", "HEAD", or any other token.
    public var method: String
    /// The absolute URL (http or https).
    public var url: String
    /// Header fields to send. libcurl adds Host, and Content-Length for a body.
    public var headers: HTTPHeaders
    /// The body to send (empty for none).
    public var body: [UInt8]
    /// Deadlines for this request; `nil` uses the transport's defaults.
    public var timeouts: HTTPTimeouts?

    /// Creates a request.
    public init(method: String = "GET", url: String, headers: HTTPHeaders = [:], body: [UInt8] = [], timeouts: HTTPTimeouts? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}

/// The head of an HTTP response: the final status line and its header fields (informational
/// 1xx responses such as `100 Continue` are skipped).
public struct HTTPResponseHead: Sendable, Equatable {
    /// The status code (200, 404, …).
    public var status: Int
    /// The protocol as the status line gives it: "HTTP/1.1", "HTTP/2".
    public var version: String
    /// The reason phrase (empty for HTTP/2).
    public var reason: String
    /// The header fields.
    public var headers: HTTPHeaders

    /// Creates a head.
    public init(status: Int, version: String = "HTTP/1.1", reason: String = "", headers: HTTPHeaders = [:]) {
        self.status = status
        self.version = version
        self.reason = reason
        self.headers = headers
    }
}

/// A failed transfer (or a response the caller treats as a failure: ``httpStatus(_:message:)``).
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it was.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case connectFailed, connectTimeout, firstByteTimeout, idleTimeout, totalTimeout
            case httpStatus, transferFailed, tlsFailed, invalidRequest, cancelled, shutdown
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The host could not be resolved or the connection was refused or failed to set up.
        public static let connectFailed = Code(.connectFailed)
        /// The connect deadline passed before the connection was up.
        public static let connectTimeout = Code(.connectTimeout)
        /// No response byte arrived before the first-byte deadline.
        public static let firstByteTimeout = Code(.firstByteTimeout)
        /// The response stalled for longer than the idle deadline.
        public static let idleTimeout = Code(.idleTimeout)
        /// The transfer took longer than its total deadline.
        public static let totalTimeout = Code(.totalTimeout)
        /// The upstream answered with an error status (made by callers, not by the transport).
        public static let httpStatus = Code(.httpStatus)
        /// The connection failed mid-transfer (reset, closed early, protocol error).
        public static let transferFailed = Code(.transferFailed)
        /// TLS verification failed (certificate problems).
        public static let tlsFailed = Code(.tlsFailed)
        /// The request could not be made (a malformed URL, an unsupported scheme).
        public static let invalidRequest = Code(.invalidRequest)
        /// The transfer was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The transport shut down before the transfer ended.
        public static let shutdown = Code(.shutdown)

        /// A name for logs.
        public var description: String {
            switch value {
            case .connectFailed: "connect failed"
            case .connectTimeout: "connect timeout"
            case .firstByteTimeout: "first-byte timeout"
            case .idleTimeout: "idle timeout"
            case .totalTimeout: "total timeout"
            case .httpStatus: "HTTP status"
            case .transferFailed: "transfer failed"
            case .tlsFailed: "TLS failed"
            case .invalidRequest: "invalid request"
            case .cancelled: "cancelled"
            case .shutdown: "shut down"
            }
        }
    }

    /// What kind of failure it was.
    public let code: Code
    /// Details for logs and users; it holds no secret (never a header value).
    public let message: String
    /// The response head, when one had arrived (always set for ``Code/httpStatus``).
    public let head: HTTPResponseHead?

    /// Creates an error.
    public init(code: Code, message: String, head: HTTPResponseHead? = nil) {
        self.code = code
        self.message = message
        self.head = head
    }

    /// An error for a response whose status the caller treats as a failure.
    public static func httpStatus(_ head: HTTPResponseHead, message: String? = nil) -> HTTPTransportError {
        HTTPTransportError(code: .httpStatus, message: message ?? "the upstream answered HTTP \(head.status)", head: head)
    }

    /// The response's status, if a head had arrived.
    public var status: Int? { head?.status }

    /// "code: message".
    public var description: String { "\(code): \(message)" }
}
