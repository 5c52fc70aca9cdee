import CCurl
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Receives one transfer's response. Every method is called on the transport's event thread,
/// one at a time, in order: `didReceiveHead` once (if a response came), `didReceiveBody` for
/// each piece of the body as it arrives, and `didComplete` exactly once, last.
///
/// The delegate is handed to the transport (`sending`): it may keep plain mutable state (an
/// SSE parser, a buffer) without locks, because only the event thread touches it afterwards.
/// Keep the methods short: they run on the thread that drives every transfer.
public protocol HTTPResponseDelegate: AnyObject, SendableMetatype {
    /// The final response head arrived (informational 1xx heads are skipped).
    func didReceiveHead(_ head: HTTPResponseHead, transfer: HTTPTransfer)
    /// A piece of the body arrived. `bytes` is valid only during the call.
    func didReceiveBody(_ bytes: UnsafeRawBufferPointer, transfer: HTTPTransfer)
    /// The transfer ended: the head on success (whatever its status), or why it failed.
    func didComplete(_ result: Result<HTTPResponseHead, HTTPTransportError>, transfer: HTTPTransfer)
}

/// A transfer in flight; cancel it from any thread.
public final class HTTPTransfer: ChatCallHandle, Sendable, Hashable {
    /// A number unique within the transport.
    public let id: UInt64
    private let cancelled = Atomic<Bool>(false)
    private let pauseWanted = Atomic<Bool>(false)
    private let loop: CurlEventLoop
    private let started = Mutex<ContinuousClock.Instant?>(nil)

    /// When the transport handed the transfer to libcurl (on its event thread); nil before.
    public var startedAt: ContinuousClock.Instant? { started.withLock { $0 } }

    func markStarted(_ instant: ContinuousClock.Instant) { started.withLock { $0 = instant } }

    init(id: UInt64, loop: CurlEventLoop) {
        self.id = id
        self.loop = loop
    }

    /// Aborts the transfer: the event thread removes it from libcurl (which closes its
    /// connection if a response was mid-way) and completes it with ``HTTPTransportError/Code/cancelled``.
    /// Once `cancel()` has returned, no more head or body callbacks start, and the completion,
    /// if not delivered yet, is the cancelled error. Idempotent; never blocks.
    public func cancel() {
        if !cancelled.exchange(true, ordering: .sequentiallyConsistent) {
            loop.cancel(transfer: id)
        }
    }

    /// True once `cancel()` has been called.
    public var isCancelled: Bool { cancelled.load(ordering: .sequentiallyConsistent) }

    /// Stops reading the response until ``resume()``: libcurl stops reading the socket, so the
    /// server's TCP window fills and its writes slow down. A body callback already running
    /// finishes; none starts after it. Idempotent; never blocks; any thread. The idle deadline
    /// does not run while paused (the total one does).
    public func pause() { setPaused(true) }

    /// Reads the response again after ``pause()``. Idempotent; never blocks; any thread.
    public func resume() { setPaused(false) }

    /// Whether the transfer is asked to be paused now.
    var isPauseWanted: Bool { pauseWanted.load(ordering: .sequentiallyConsistent) }

    private func setPaused(_ paused: Bool) {
        // The event thread applies whatever is wanted when it gets there, so calls that cross
        // on their way to it cannot leave the transfer in the wrong state.
        if pauseWanted.exchange(paused, ordering: .sequentiallyConsistent) != paused {
            loop.applyPause(transfer: id)
        }
    }

    /// Compares by identity.
    public static func == (lhs: HTTPTransfer, rhs: HTTPTransfer) -> Bool { lhs === rhs }
    /// Hashes by identity.
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A timer scheduled with ``HTTPTransport/schedule(after:_:)``.
public final class HTTPTimer: Sendable {
    private let cancelled = Atomic<Bool>(false)

    init() {}

    /// Stops the timer if it has not fired yet. Idempotent; any thread.
    public func cancel() { cancelled.store(true, ordering: .sequentiallyConsistent) }

    /// True once `cancel()` has been called.
    public var isCancelled: Bool { cancelled.load(ordering: .sequentiallyConsistent) }
}

/// An HTTP client on libcurl's multi interface: ONE event thread per transport drives every
/// transfer (`curl_multi_poll`, woken with `curl_multi_wakeup` when work arrives), so there is
/// no thread per request and nothing blocks Swift's cooperative pool.
///
/// - Connections are kept alive and reused (one multi handle, one connection cache); HTTP/2 is
///   used where the server offers it over TLS, with streams multiplexed on one connection.
/// - Deadlines (``HTTPTimeouts``): connect by libcurl; first byte, idle gap and total by the
///   event thread's own timer check. Each failure is a distinct ``HTTPTransportError/Code``.
/// - ``schedule(after:_:)`` runs code on the event thread later (retry backoff).
/// - ``shutdown()`` aborts what is in flight and joins the thread.
///
/// Make one per plugin instance.
public final class HTTPTransport: Sendable {
    /// How the transport behaves.
    public struct Configuration: Sendable, Equatable {
        /// The most connections to one host (`CURLMOPT_MAX_HOST_CONNECTIONS`); 0 means no limit.
        /// Transfers beyond it wait for a free connection (or share one over HTTP/2).
        public var maxHostConnections: Int
        /// The most connections in all (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); 0 means no limit.
        public var maxTotalConnections: Int
        /// How many idle connections to keep for reuse (`CURLMOPT_MAXCONNECTS`); `nil` lets
        /// libcurl choose.
        public var maxCachedConnections: Int?
        /// Prefer HTTP/2 over TLS (`CURL_HTTP_VERSION_2TLS`); plain http stays HTTP/1.1.
        public var preferHTTP2: Bool
        /// Default deadlines for requests that set none.
        public var timeouts: HTTPTimeouts
        /// The User-Agent header sent unless a request sets one.
        public var userAgent: String?
        /// Each connection's socket receive buffer (`SO_RCVBUF`), in bytes; nil lets the kernel
        /// grow it (Linux: up to 6 MiB). A paused transfer leaves the upstream's writes waiting
        /// here, so a fixed size is what makes the upstream slow down soon. 256 KiB by default:
        /// plenty for a token stream, and for a whole reply at 2.5 MB/s over a 100 ms path.
        public var receiveBufferBytes: Int?
        /// The event thread's name (at most 15 bytes are kept).
        public var threadName: String

        /// Creates a configuration.
        public init(
            maxHostConnections: Int = 0,
            maxTotalConnections: Int = 0,
            maxCachedConnections: Int? = nil,
            preferHTTP2: Bool = true,
            timeouts: HTTPTimeouts = HTTPTimeouts(),
            userAgent: String? = nil,
            receiveBufferBytes: Int? = 256 * 1024,
            threadName: String = "patchbay-http"
        ) {
            self.receiveBufferBytes = receiveBufferBytes
            self.maxHostConnections = maxHostConnections
            self.maxTotalConnections = maxTotalConnections
            self.maxCachedConnections = maxCachedConnections
            self.preferHTTP2 = preferHTTP2
            self.timeouts = timeouts
            self.userAgent = userAgent
            self.threadName = threadName
        }
    }

    /// The configuration the transport was made with.
    public let configuration: Configuration
    private let loop: CurlEventLoop

    /// Creates the transport and starts its event thread. Throws a ``PluginError`` if libcurl
    /// or the thread cannot be set up.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        self.loop = try CurlEventLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Starts a transfer; the delegate hears about it on the event thread. Never blocks.
    /// After ``shutdown()``, the delegate is completed at once, on the calling thread, with
    /// ``HTTPTransportError/Code/shutdown``.
    @discardableResult
    public func start(_ request: HTTPRequest, delegate: sending some HTTPResponseDelegate) -> HTTPTransfer {
        loop.start(request, delegate: delegate)
    }

    /// Starts a transfer with closures instead of a delegate (each called on the event thread).
    @discardableResult
    public func start(
        _ request: HTTPRequest,
        onHead: @escaping @Sendable (HTTPResponseHead, HTTPTransfer) -> Void = { _, _ in },
        onBody: @escaping @Sendable (UnsafeRawBufferPointer, HTTPTransfer) -> Void = { _, _ in },
        onComplete: @escaping @Sendable (Result<HTTPResponseHead, HTTPTransportError>, HTTPTransfer) -> Void
    ) -> HTTPTransfer {
        loop.start(request, delegate: ClosureDelegate(onHead: onHead, onBody: onBody, onComplete: onComplete))
    }

    /// Runs `body` on the event thread after `delay` (for retry backoff), unless the returned
    /// timer is cancelled first. A timer still pending at shutdown runs then, at once, so that
    /// whatever waits on it can finish; after shutdown, `body` runs at once on the calling thread.
    @discardableResult
    public func schedule(after delay: Duration, _ body: @escaping @Sendable () -> Void) -> HTTPTimer {
        loop.schedule(after: delay, body)
    }

    /// Runs `body` on the event thread soon (at once on the calling thread after shutdown).
    public func execute(_ body: @escaping @Sendable () -> Void) {
        loop.execute(body)
    }

    /// True when called on the transport's event thread.
    public var isEventThread: Bool { loop.isEventThread }

    /// True once ``shutdown()`` has begun.
    public var isShutDown: Bool { loop.isClosing }

    /// Aborts every transfer in flight (completing each with ``HTTPTransportError/Code/shutdown``),
    /// runs pending timers, closes the connections and joins the event thread. Idempotent.
    /// Called from the event thread itself, it only asks the thread to stop.
    public func shutdown() {
        loop.shutdown()
    }
}

/// Adapts closures to ``HTTPResponseDelegate``.
private final class ClosureDelegate: HTTPResponseDelegate, Sendable {
    let onHead: @Sendable (HTTPResponseHead, HTTPTransfer) -> Void
    let onBody: @Sendable (UnsafeRawBufferPointer, HTTPTransfer) -> Void
    let onComplete: @Sendable (Result<HTTPResponseHead, HTTPTransportError>, HTTPTransfer) -> Void

    init(
        onHead: @escaping @Sendable (HTTPResponseHead, HTTPTransfer) -> Void,
        onBody: @escaping @Sendable (UnsafeRawBufferPointer, HTTPTransfer) -> Void,
        onComplete: @escaping @Sendable (Result<HTTPResponseHead, HTTPTransportError>, HTTPTransfer) -> Void
    ) {
        self.onHead = onHead
        self.onBody = onBody
        self.onComplete = onComplete
    }

    func didReceiveHead(_ head: HTTPResponseHead, transfer: HTTPTransfer) { onHead(head, transfer) }
    func didReceiveBody(_ bytes: UnsafeRawBufferPointer, transfer: HTTPTransfer) { onBody(bytes, transfer) }
    func didComplete(_ result: Result<HTTPResponseHead, HTTPTransportError>, transfer: HTTPTransfer) { onComplete(result, transfer) }
}
