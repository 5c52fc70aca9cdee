import Foundation

/// What set a reload off.
public enum ReloadTrigger: String, Sendable, Encodable {
    /// providers.yaml changed on disk.
    case file
    /// A plugin file was added, replaced or removed.
    case plugins
    /// SIGHUP.
    case signal
    /// `POST /admin/reload` (what `patchbay reload` calls).
    case admin
}

/// The outcome of one reload, as `/health` and `POST /admin/reload` show it.
public struct ReloadOutcome: Sendable, Encodable, Equatable {
    /// Whether the new configuration went into force.
    public enum Result: String, Sendable, Encodable {
        /// Valid: the new routing serves every request from now on.
        case applied
        /// Invalid: the routing in force stays; `errors` says why, located.
        case rejected
    }

    /// Applied or rejected.
    public let result: Result
    /// What set it off.
    public let trigger: ReloadTrigger
    /// When it finished.
    public let at: Date
    /// For a rejected reload, every error with its `file:line:column`; for an applied one, the
    /// problems that leave some provider unavailable (an unknown plugin, settings a plugin refused).
    public let errors: [String]
    /// The plugins loaded after it, as `name version`.
    public let plugins: [String]
}
