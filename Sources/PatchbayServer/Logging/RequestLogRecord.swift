import Logging
import Synchronization

/// What a handler learned about its request (assistant, provider, model, tokens, …), for the
/// one access-log line written when the response has ended.
///
/// A reference shared by every copy of the request's context, so the route can fill in what
/// the outer middleware will write.
public final class RequestLogRecord: Sendable {
    private let fields = Mutex<Logger.Metadata>([:])
    private let upstream = Mutex<Duration>(.zero)

    /// Creates an empty record.
    public init() {}

    /// Sets one field.
    @inline(never)  // called from async turn code: kept out of its frames
    public func set(_ key: String, _ value: Logger.Metadata.Value) {
        fields.withLock { $0[key] = value }
    }

    /// Every field set so far.
    public var metadata: Logger.Metadata { fields.withLock { $0 } }

    /// Adds time the request spent waiting for a provider (`X-Patchbay-Overhead-Ms` leaves it out).
    func addUpstreamTime(_ duration: Duration) {
        upstream.withLock { $0 += duration }
    }

    /// The time spent waiting for providers so far.
    var upstreamTime: Duration { upstream.withLock { $0 } }
}
