extension ConfigurationValidator {
    static let storageKeys = ["sqlite_path", "postgres_url"]

    /// `storage: {sqlite_path}` or `storage: {postgres_url}`, not both. The URL's `${VARIABLE}`s are
    /// resolved as provider settings' are, but an unset one is an error: the server cannot start
    /// without its store. Messages never repeat the URL (it usually holds a password).
    mutating func storage(_ section: Field) -> StorageSettings {
        var settings = StorageSettings()
        let shape = "a mapping with key sqlite_path or postgres_url"
        guard let entries = self.sectionEntries(section, shape: shape) else { return settings }
        let scope = Scope.section("storage")
        let fields = self.knownFields(of: entries, in: scope, known: Self.storageKeys)
        if let field = fields["sqlite_path"]?.unlessNull, let path = self.string(field, in: scope) {
            settings.sqlitePath = path
            settings.sqlitePathLocation = field.value.location
        }
        guard let field = fields["postgres_url"]?.unlessNull, let text = self.string(field, in: scope) else { return settings }
        if fields["sqlite_path"]?.unlessNull != nil {
            self.report(.invalidValue, at: field.key.location, "\(scope.prefix)use either 'sqlite_path' or 'postgres_url', not both")
            return settings
        }
        guard let resolved = self.serverURL(text, field: field, in: scope) else { return settings }
        do {
            settings.postgresURL = try PostgresURL(parsing: resolved)
        } catch {
            self.report(.invalidValue, at: field.value.location, "\(scope.prefix)postgres_url is not a PostgreSQL URL: \(error.message)")
        }
        return settings
    }

    /// A server's URL (`storage.postgres_url`, `limits.store`) with its `${VARIABLE}`s resolved as
    /// provider settings' are; nil (reported) when a reference is malformed or names an unset or
    /// empty variable: the server cannot start without that server. Messages never repeat the URL.
    mutating func serverURL(_ text: String, field: Field, in scope: Scope) -> String? {
        switch EnvironmentInterpolation.resolve(text, environment: self.environment) {
        case .failure(let failure):
            self.report(.invalidVariableReference, at: field.value.location, "\(scope.prefix)\(field.name): \(failure.message)")
        case .success(let resolved) where !resolved.missingVariables.isEmpty:
            let names = resolved.missingVariables.joined(separator: ", ")
            self.report(.invalidValue, at: field.value.location,
                        "\(scope.prefix)\(field.name) needs the environment variable \(names), which is unset or empty")
        case .success(let resolved):
            return resolved.text
        }
        return nil
    }
}
