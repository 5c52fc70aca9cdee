import Foundation
import PatchbayJSON

/// The cache's figures, as seed 004's `GET /api/v1/cache/stats` shows them.
public struct CacheStats: Sendable, Equatable {
    public var hits: Int
    public var misses: Int
    /// Requests that said `Cache-Control: no-cache` (not counted in `total_requests`).
    public var bypasses: Int
    /// The hits the semantic lookup found (included in `hits`).
    public var semanticHits: Int
    public var entries: Int
    public var bytes: Int
    /// The sum of the cached assistants' `max_bytes`.
    public var capacity: Int
    public var evictions: Int
    public var lastEviction: Date?
    /// The mean time a lookup took (an embedding call included), hits and misses.
    public var averageLookupMilliseconds: Double

    /// Lookups: hits and misses.
    public var totalRequests: Int { hits + misses }
    /// Hits over lookups; 0 before the first.
    public var hitRate: Double { totalRequests == 0 ? 0 : Double(hits) / Double(totalRequests) }
    /// `bytes` over `capacity`, in percent.
    public var memoryUsagePercent: Double { capacity == 0 ? 0 : Double(bytes) * 100 / Double(capacity) }

    /// `1.0 MB`: bytes in decimal units with one decimal, as seed 004 shows them.
    static func humanSize(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\(rounded(value, places: 1)) \(units[unit])"
    }

    private static func rounded(_ value: Double, places: Int) -> String {
        let scale = pow(10, Double(places))
        let scaled = (value * scale).rounded()
        let whole = Int(scaled) / Int(scale)
        let fraction = Int(scaled) % Int(scale)
        return "\(whole).\(String(zeroPadded: fraction, width: places))"
    }

    /// The JSON body.
    var json: String {
        func number(_ value: Double, places: Int) -> String { Self.rounded(value, places: places) }
        return #"{"hits":\#(hits),"misses":\#(misses),"bypasses":\#(bypasses),"hit_rate":\#(number(hitRate, places: 4))"#
            + #","total_requests":\#(totalRequests),"semantic_hits":\#(semanticHits),"cache_size_bytes":\#(bytes)"#
            + #","cache_size_human":"# + JSONText.string(Self.humanSize(bytes)) + #","entries":\#(entries)"#
            + #","avg_response_time_ms":\#(number(averageLookupMilliseconds, places: 3))"#
            + #","memory_usage_percent":\#(number(memoryUsagePercent, places: 2)),"evictions":\#(evictions)"#
            + #","last_eviction":"# + (lastEviction.map { "\"" + $0.iso8601Seconds + "\"" } ?? "null") + "}"
    }
}
