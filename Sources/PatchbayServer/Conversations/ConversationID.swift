/// The rule for conversation ids: 1 to 128 of A-Z, a-z, 0-9, '-', '_' and '.'. Ids end up in
/// URLs, logs and SQLite, so they keep to a safe alphabet; an id outside it names no conversation.
enum ConversationID {
    /// Whether `id` follows the rule.
    static func isValid(_ id: some StringProtocol) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}
