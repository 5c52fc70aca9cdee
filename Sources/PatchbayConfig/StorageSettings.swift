/// Where conversations are kept (the `storage:` section).
public struct StorageSettings: Sendable {
    /// The SQLite file, as written (relative paths are the caller's to resolve).
    public var sqlitePath: String
    /// Where `sqlite_path:` is written, or `nil` when the default is in use.
    public var sqlitePathLocation: SourceLocation?

    /// The default file, `./data/patchbay.sqlite`.
    public static let defaultSQLitePath = "./data/patchbay.sqlite"

    /// Creates storage settings.
    public init(sqlitePath: String = StorageSettings.defaultSQLitePath, sqlitePathLocation: SourceLocation? = nil) {
        self.sqlitePath = sqlitePath
        self.sqlitePathLocation = sqlitePathLocation
    }
}
