extension String {
    /// `value` in `radix`, with leading zeros up to `width` digits: for the log's timestamp, request
    /// ids and header durations, written on every request without Foundation's `String(format:)`.
    init(zeroPadded value: some BinaryInteger, width: Int, radix: Int = 10) {
        let digits = String(value, radix: radix)
        self = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
