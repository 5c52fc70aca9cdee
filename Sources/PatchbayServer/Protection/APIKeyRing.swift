import Crypto
import Logging
import PatchbayConfig
import PatchbayRateLimit

/// A caller that presented a valid API key.
public struct AuthenticatedKey: Sendable, Equatable {
    /// The key's id in providers.yaml (the caller id in logs and rate limits).
    public let id: String
    /// The assistants the key may use; nil means every assistant.
    public let assistants: Set<String>?
    /// The key's own limits.
    public let limits: RateLimitPolicy
    /// Whether it may call the admin endpoints.
    public var admin = false
}

/// The API keys the server accepts, held only as SHA-256 digests.
struct APIKeyRing: Sendable {
    private struct Entry: Sendable {
        let key: AuthenticatedKey
        let digest: [UInt8]
    }

    /// Whether callers must present a key.
    let enabled: Bool
    private let entries: [Entry]

    /// Keys whose `key_env` is unset are left out (and logged): they cannot be presented.
    init(_ settings: AuthSettings, logger: Logger) {
        enabled = settings.enabled
        entries = settings.keys.compactMap { key in
            let digest = key.sha256 ?? key.keyFromEnvironment.map { Array(SHA256.hash(data: Array($0.utf8))) }
            guard let digest else {
                if settings.enabled {
                    logger.warning("API key '\(key.id)' is disabled: \(key.keyEnv ?? "its variable") is not set")
                }
                return nil
            }
            return Entry(
                key: AuthenticatedKey(id: key.id, assistants: key.assistants.map(Set.init), limits: key.limits, admin: key.admin),
                digest: digest
            )
        }
    }

    /// The key `presented` is, if any. Every stored digest is compared in full, in constant
    /// time, so the time taken says nothing about how close a guess was.
    func authenticate(_ presented: String) -> AuthenticatedKey? {
        let digest = Array(SHA256.hash(data: Array(presented.utf8)))
        var match: AuthenticatedKey?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 && entry.digest.count == digest.count { match = entry.key }
        }
        return match
    }
}
