extension Duration {
    /// The duration in seconds, as a Double (for headers, logs and /health).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds, for metrics (saturating far beyond any request's length).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }

    /// The duration in `unit`s (1 for seconds, 1000 for milliseconds) as text with `places`
    /// decimals, "0.000412": for headers on every response, so without Foundation's `String(format:)`.
    func decimalText(per unit: Int64 = 1, places: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let (seconds, attoseconds) = components
        // Rounded to the last place shown, in whole units of it.
        let perSecond = unit * scale
        let attosecondsPerTick = 1_000_000_000_000_000_000 / perSecond
        let ticks = max(0, seconds) * perSecond + (max(0, attoseconds) + attosecondsPerTick / 2) / attosecondsPerTick
        return String(ticks / scale) + "." + String(zeroPadded: ticks % scale, width: places)
    }
}
