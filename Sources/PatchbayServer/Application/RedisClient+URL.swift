import PatchbayConfig
import PatchbayRedis

extension RedisClient.Configuration {
    /// The client a `limits.store` URL names, with `limits.store_timeout_ms` on every call.
    public init(_ url: RedisURL, timeoutMilliseconds: Int) {
        self.init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
                  timeout: .milliseconds(timeoutMilliseconds))
    }
}
