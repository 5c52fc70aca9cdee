import PatchbayConfig
import PatchbayStorage

extension PostgresConversationStore.Endpoint {
    /// The endpoint a `postgres_url` (or `patchbay migrate --to postgres:URL`) names.
    public init(_ url: PostgresURL) {
        self.init(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: TLSMode(rawValue: url.sslMode) ?? .prefer
        )
    }
}
