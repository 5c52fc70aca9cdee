import Foundation

extension Date {
    /// `2024-01-01T00:00:00Z`: seed 004's times, in its bodies, its WebSocket pongs and its
    /// `X-RateLimit-Reset` header.
    var iso8601Seconds: String {
        formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
