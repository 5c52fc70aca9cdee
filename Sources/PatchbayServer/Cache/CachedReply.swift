import Foundation

/// A reply kept in the cache, as it streamed: replayed as the same deltas a live reply sends.
struct CachedReply: Sendable, Equatable {
    /// The reply's text, in the pieces the provider sent.
    var deltas: [String]
    /// Why the reply ended (`stop`, `length`, …).
    var finishReason: String?
    /// The provider and model that wrote it (a hit is stored in conversations under them).
    var provider: String
    var model: String
    /// The newest user message it answered (what `clear?pattern=` matches).
    var prompt: String

    /// The whole text.
    var text: String { deltas.joined() }

    /// What the entry costs in memory, roughly: its text and a fixed overhead for the entry.
    var bytes: Int {
        deltas.reduce(0) { $0 + $1.utf8.count + 16 } + prompt.utf8.count + provider.utf8.count + model.utf8.count + 200
    }
}

/// How a cache lookup came out, for the door (`X-Cache-Status`, seed 004's `cached`,
/// `cache_key`, `similarity_score`) and the access log.
public struct CacheReport: Sendable, Equatable {
    /// HIT, MISS or BYPASS.
    public enum Status: String, Sendable, Equatable {
        case hit = "HIT"
        case miss = "MISS"
        case bypass = "BYPASS"
    }

    /// What happened.
    public var status: Status
    /// The exact key (`pbc_…`), when the assistant caches.
    public var key: String?
    /// The cosine similarity of the question that answered (1 for an exact hit), on a hit.
    public var similarity: Double?
    /// Whether the semantic lookup found the hit (its similarity may still round to 1).
    public var semantic = false

    /// A bypassed lookup (no cache for the assistant, or the client said `no-cache`).
    public static let bypass = CacheReport(status: .bypass, key: nil, similarity: nil)
}
