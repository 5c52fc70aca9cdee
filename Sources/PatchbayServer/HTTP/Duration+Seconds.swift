extension Duration {
    /// The duration in seconds, as a Double (for headers, logs and /health).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
