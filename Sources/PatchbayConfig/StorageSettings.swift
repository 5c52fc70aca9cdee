/// Where conversations are kept (the `storage:` section): a SQLite file (the default) or a
/// PostgreSQL database (`postgres_url`).
public struct StorageSettings: Sendable {
    /// The SQLite file, as written (relative paths are the caller's to resolve).
    public var sqlitePath: String
    /// Where `sqlite_path:` is written, or `nil` when the default is in use.
    public var sqlitePathLocation: SourceLocation?
    /// The PostgreSQL database, when `postgres_url:` is set (its `${VARIABLE}`s resolved): it then
    /// replaces the SQLite file.
    public var postgresURL: PostgresURL?

    /// The default file, `./data/patchbay.sqlite`.
    public static let defaultSQLitePath = "./data/patchbay.sqlite"

    /// Creates storage settings.
    public init(sqlitePath: String = StorageSettings.defaultSQLitePath, sqlitePathLocation: SourceLocation? = nil, postgresURL: PostgresURL? = nil) {
        self.sqlitePath = sqlitePath
        self.sqlitePathLocation = sqlitePathLocation
        self.postgresURL = postgresURL
    }

    /// Which engine and where, for logs and restart notices (never the password).
    public var summary: String {
        postgresURL.map { "postgres \($0)" } ?? "sqlite \(sqlitePath)"
    }
}
