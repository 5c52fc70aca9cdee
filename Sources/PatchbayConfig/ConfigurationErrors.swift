/// Every problem found in one read of a configuration file.
///
/// The reader collects all the problems it can find rather than stopping at the first,
/// so one edit-and-retry round fixes them all. They are ordered by place in the file;
/// problems without a place come last.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var errors: [ConfigurationError]

    /// Wraps a list of problems.
    public init(errors: [ConfigurationError]) {
        self.errors = errors
    }

    /// One problem per line.
    public var description: String {
        self.errors.map(\.description).joined(separator: "\n")
    }
}
