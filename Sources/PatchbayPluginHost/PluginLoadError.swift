/// Why a file in the plugins folder was refused, or why a plugin could not do what was asked.
///
/// The message is written for operators and names the file; it never contains provider settings.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case notELF
        case cannotOpen
        case missingEntry
        case entryRefused
        case wrongMajor
        case truncatedDescriptor
        case invalidDescriptor
        case duplicateName
        case createFailed
        case configRefused
    }

    private let code: Code
    /// The plugin file concerned.
    public let path: String
    /// What went wrong, for an operator.
    public let message: String

    private init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// `path: message`, one line.
    public var description: String { "\(path): \(message)" }

    /// The file does not start with the ELF magic number.
    public static func notELF(_ path: String) -> Self {
        .init(.notELF, path: path, "not a shared library (no ELF header)")
    }
    /// `dlopen` failed; `reason` is `dlerror()`'s text.
    public static func cannotOpen(_ path: String, reason: String) -> Self {
        .init(.cannotOpen, path: path, "cannot be opened: \(reason)")
    }
    /// The library lacks the entry point of this ABI major.
    public static func missingEntry(_ path: String, found: String?) -> Self {
        let hint = found.map { "; it exports \($0), a different ABI major" } ?? ""
        return .init(.missingEntry, path: path, "does not export patchbay_plugin_entry_v1 (not a Patchbay ABI 1 plugin\(hint))")
    }
    /// The entry point returned NULL for this host's version.
    public static func entryRefused(_ path: String, hostMajor: Int, hostMinor: Int) -> Self {
        .init(.entryRefused, path: path, "refused this host (ABI \(hostMajor).\(hostMinor)): its entry point returned no descriptor")
    }
    /// The descriptor's major version is not this host's.
    public static func wrongMajor(_ path: String, pluginMajor: Int, pluginMinor: Int, hostMajor: Int, hostMinor: Int) -> Self {
        .init(.wrongMajor, path: path, "is built for plugin ABI \(pluginMajor).\(pluginMinor); this host speaks ABI \(hostMajor).\(hostMinor)")
    }
    /// The descriptor is smaller than ABI 1.0 requires.
    public static func truncatedDescriptor(_ path: String, size: Int, minimum: Int) -> Self {
        .init(.truncatedDescriptor, path: path, "descriptor is \(size) bytes; ABI 1.0 needs at least \(minimum)")
    }
    /// A required member is missing or malformed.
    public static func invalidDescriptor(_ path: String, _ reason: String) -> Self {
        .init(.invalidDescriptor, path: path, "invalid descriptor: \(reason)")
    }
    /// Another loaded file already uses the plugin's name.
    public static func duplicateName(_ path: String, name: String, takenBy: String) -> Self {
        .init(.duplicateName, path: path, "plugin name '\(name)' is already taken by \(takenBy)")
    }
    /// `instance_create` failed for a provider.
    public static func createFailed(_ path: String, provider: String, reason: String) -> Self {
        .init(.createFailed, path: path, "could not create provider '\(provider)': \(reason)")
    }
    /// `config_check` refused a provider's settings.
    public static func configRefused(_ path: String, provider: String, reason: String) -> Self {
        .init(.configRefused, path: path, "refused the settings of provider '\(provider)': \(reason)")
    }
}
