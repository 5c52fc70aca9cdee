/// Where provider plugins are found (the `plugins:` section).
public struct PluginSettings: Sendable {
    /// The directory holding plugin shared libraries, as written (relative paths are the caller's to resolve).
    public var directory: String
    /// Where `directory:` is written, or `nil` when the default is in use.
    public var directoryLocation: SourceLocation?

    /// The default directory, `./provider-plugins`.
    public static let defaultDirectory = "./provider-plugins"

    /// Creates plugin settings.
    public init(directory: String = PluginSettings.defaultDirectory, directoryLocation: SourceLocation? = nil) {
        self.directory = directory
        self.directoryLocation = directoryLocation
    }
}
