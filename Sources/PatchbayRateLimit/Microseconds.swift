import Foundation

/// Time as whole microseconds since 1970 (UTC), the unit every counter works in.
///
/// Integers keep the arithmetic exact: window boundaries, refill and waits never drift. A `Date`
/// near today has sub-microsecond precision, so rounding to the microsecond loses nothing a
/// caller could have meant.
enum Microseconds {
    static let perSecond: Int64 = 1_000_000

    /// The microsecond nearest to `date` (clamped to what `Int64` holds).
    static func from(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * Double(perSecond)).rounded()
        guard value.isFinite else { return value > 0 ? Int64.max / 2 : Int64.min / 2 }
        return Int64(Swift.max(Swift.min(value, Double(Int64.max / 2)), Double(Int64.min / 2)))
    }

    /// The date at `microseconds`.
    static func date(_ microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / Double(perSecond))
    }

    /// The start of the fixed window of `length` that holds `time` (windows align to the epoch,
    /// hence to UTC minutes, hours and days).
    static func windowStart(_ time: Int64, length: Int64) -> Int64 {
        let remainder = time % length
        return remainder >= 0 ? time - remainder : time - remainder - length
    }

    /// `numerator / denominator` rounded up, for positive operands.
    static func divideRoundingUp(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        numerator <= 0 ? 0 : (numerator - 1) / denominator + 1
    }
}
