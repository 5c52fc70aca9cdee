/// A place in a configuration file, 1-based.
///
/// Its description is the `file:line:column` form compilers use, so editors and terminals
/// can jump to it: `providers.yaml:14:15`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as it was named to the reader (or the `source` name given to ``ConfigurationReader/parse(_:source:environment:)``).
    public var file: String
    /// The line, counting from 1.
    public var line: Int
    /// The column, counting characters from 1.
    public var column: Int

    /// Creates a location from 1-based line and column numbers.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(self.file):\(self.line):\(self.column)" }
}
