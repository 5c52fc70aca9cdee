import Synchronization

/// A target as the routing state knows it across reloads: the same provider name, model and
/// provider settings (the keys of `api_keys:` aside) keep their circuit breaker.
struct TargetID: Hashable, Sendable {
    let provider: String
    let model: String
    let settingsDigest: Int
}

/// An API key as the routing state knows it across reloads, without holding the key.
struct KeyID: Hashable, Sendable {
    let provider: String
    let digest: Int

    /// The key of `provider` whose instance settings are `secret` (they hold the key).
    init(provider: String, secret: String) {
        self.provider = provider
        self.digest = Fingerprint.of(secret)
    }
}

/// A fingerprint of settings text, for telling within this process whether it changed.
/// Hasher is seeded per process: never stored, never shown.
enum Fingerprint {
    static func of(_ text: String) -> Int {
        var hasher = Hasher()
        hasher.combine(text)
        return hasher.finalize()
    }
}

/// Spreads one provider's calls across its keys in turn.
final class KeyRotation: Sendable {
    private let counter = Atomic<Int>(0)

    /// Where the next choice starts: 0, 1, 2, … (wrapping).
    func next() -> Int {
        counter.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
    }
}
