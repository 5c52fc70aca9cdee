import Crypto
import PatchbayPluginHost

/// What identifies a cached reply: everything that decides what the provider would answer.
///
/// The exact key covers the assistant, the caller's scope, the model, the system prompt and
/// parameters as applied, and the whole message list the provider would see. The semantic
/// lookup compares only the newest user message, among entries whose *context* — the same key
/// without that message — is the same: a paraphrase of a question asked at the same point of
/// the same kind of conversation.
struct CacheKey: Sendable, Hashable {
    /// `pbc_` and 32 hex digits: the first 128 bits of a SHA-256 over the request.
    let exact: String
    /// The same over everything but the newest user message.
    let context: String
    /// The newest user message: what the semantic lookup embeds, and what `clear` matches.
    let prompt: String

    /// The scope entries warmed by the operator live in: their prompts are the operator's own,
    /// so every caller of the assistant may be answered from them, whatever `scope:` says.
    static let operatorScope = "\u{1}operator"

    /// The key of a request.
    /// - Parameters:
    ///   - scope: the caller's key id under `scope: key` ("" for an anonymous caller), "" under `scope: global`.
    ///   - fingerprint: the assistant, model, system prompt and parameters, one string each.
    init(scope: String, fingerprint: [String], messages: [ChatMessage]) {
        var context = SHA256()
        Self.feed(&context, scope)
        for part in fingerprint { Self.feed(&context, part) }
        let last = messages.last
        for message in messages.dropLast() {
            Self.feed(&context, message.role.rawValue)
            Self.feed(&context, message.content)
        }
        var exact = context
        Self.feed(&exact, last?.role.rawValue ?? "")
        Self.feed(&exact, last?.content ?? "")
        self.exact = Self.text(exact.finalize())
        self.context = Self.text(context.finalize())
        self.prompt = last?.content ?? ""
    }

    /// Length-prefixed, so that no two different field lists hash the same bytes.
    private static func feed(_ hasher: inout SHA256, _ field: String) {
        var count = UInt64(field.utf8.count).littleEndian
        withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(field.utf8))
    }

    private static func text(_ digest: SHA256.Digest) -> String {
        var text = "pbc_"
        for byte in digest.prefix(16) { text += String(zeroPadded: Int(byte), width: 2, radix: 16) }
        return text
    }
}
