/// One problem found in a configuration file.
///
/// Its description is `file:line:column: message`, or just the message when the problem
/// has no place in the file (an unreadable file, a bad `PORT` environment variable).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What sort of problem an error is, so callers can branch without reading messages.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case unreadableFile
            case syntax
            case empty
            case unknownKey
            case missingKey
            case duplicateKey
            case invalidValue
            case unknownProvider
            case unknownAssistant
            case unknownPlugin
            case invalidVariableReference
            case invalidEnvironment
        }

        private let code: Code

        private init(_ code: Code) {
            self.code = code
        }

        /// The file could not be opened or read.
        public static var unreadableFile: Self { .init(.unreadableFile) }
        /// The text is not well-formed YAML (reported by libyaml), or uses YAML this reader refuses.
        public static var syntax: Self { .init(.syntax) }
        /// The file holds no document, or its document is not a mapping.
        public static var empty: Self { .init(.empty) }
        /// A mapping holds a key the reader does not know.
        public static var unknownKey: Self { .init(.unknownKey) }
        /// A required key is absent.
        public static var missingKey: Self { .init(.missingKey) }
        /// A mapping holds the same key twice.
        public static var duplicateKey: Self { .init(.duplicateKey) }
        /// A value has the wrong type or is out of range.
        public static var invalidValue: Self { .init(.invalidValue) }
        /// An assistant names a provider the file does not define.
        public static var unknownProvider: Self { .init(.unknownProvider) }
        /// An auth key names an assistant the file does not define.
        public static var unknownAssistant: Self { .init(.unknownAssistant) }
        /// A provider names a plugin the host does not have (reported by the host, not the reader).
        public static var unknownPlugin: Self { .init(.unknownPlugin) }
        /// A `${...}` reference is malformed.
        public static var invalidVariableReference: Self { .init(.invalidVariableReference) }
        /// An environment variable the server reads directly (such as `PORT`) has a bad value.
        public static var invalidEnvironment: Self { .init(.invalidEnvironment) }

        /// The kind's name, such as `unknownKey`.
        public var description: String { self.code.rawValue }
    }

    /// What sort of problem this is.
    public var kind: Kind
    /// Where the problem is, when it has a place in the file.
    public var location: SourceLocation?
    /// What is wrong, what was expected and what is known; never a secret's value.
    public var message: String

    /// Creates an error; the host uses this to report problems at places the reader recorded,
    /// such as ``ProviderSettings/pluginLocation``.
    public init(_ kind: Kind = .invalidValue, location: SourceLocation?, message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    /// `file:line:column: message`, or the message alone when there is no location.
    public var description: String {
        guard let location = self.location else { return self.message }
        return "\(location): \(self.message)"
    }
}
