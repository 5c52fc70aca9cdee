#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads `providers.yaml` into a validated ``PatchbayConfiguration``.
///
/// Every problem found in one read is reported, each with its place in the file, as a
/// ``ConfigurationErrors``.
public enum ConfigurationReader {
    /// Reads and validates a file.
    ///
    /// - Parameters:
    ///   - path: The file to read; error locations name it as given.
    ///   - environment: Resolves `${VAR}` references and auth keys' `key_env`, and supplies `PORT`, `ALLOWED_ORIGINS` and
    ///     `LOG_LEVEL`; the process's environment by default.
    public static func read(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) -> PatchbayConfiguration {
        let bytes: [UInt8]
        switch Self.contents(ofFile: path) {
        case .success(let contents): bytes = contents
        case .failure(let error): throw ConfigurationErrors(errors: [error])
        }
        return try Self.parse(bytes: bytes, source: path, environment: environment)
    }

    /// Validates configuration text.
    ///
    /// - Parameters:
    ///   - text: The YAML text.
    ///   - source: The name error locations use, usually the file the text came from.
    ///   - environment: Resolves `${VAR}` references and auth keys' `key_env`, and supplies `PORT`, `ALLOWED_ORIGINS` and
    ///     `LOG_LEVEL`; the process's environment by default.
    public static func parse(
        _ text: String,
        source: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) -> PatchbayConfiguration {
        try Self.parse(bytes: Array(text.utf8), source: source, environment: environment)
    }

    /// Raw bytes rather than a `String`, so libyaml sees (and reports) invalid UTF-8 in a file.
    static func parse(bytes: [UInt8], source: String, environment: [String: String]) throws(ConfigurationErrors) -> PatchbayConfiguration {
        var errors: [ConfigurationError] = []
        var configuration: PatchbayConfiguration?
        switch YAMLTreeBuilder.parse(bytes, source: source, errors: &errors) {
        case .failed:
            break
        case .empty:
            errors.append(
                ConfigurationError(
                    .empty,
                    location: SourceLocation(file: source, line: 1, column: 1),
                    message: "the file is empty; expected \(ConfigurationValidator.expectedTopLevel)"
                )
            )
        case .document(let root):
            var validator = ConfigurationValidator(source: source, environment: environment)
            configuration = validator.configuration(from: root)
            errors += validator.errors
        }
        guard errors.isEmpty, let configuration else {
            throw ConfigurationErrors(errors: Self.inFileOrder(errors))
        }
        return configuration
    }

    /// Sorted by place (stable, so problems at one place keep the order they were found in),
    /// placeless ones last, repeats dropped: a node reused through an alias is checked each time.
    private static func inFileOrder(_ errors: [ConfigurationError]) -> [ConfigurationError] {
        var seen: Set<ConfigurationError> = []
        let unique = errors.filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { left, right in
            let leftKey = (left.element.location?.line ?? .max, left.element.location?.column ?? .max, left.offset)
            let rightKey = (right.element.location?.line ?? .max, right.element.location?.column ?? .max, right.offset)
            return leftKey < rightKey
        }.map(\.element)
    }

    /// The file's bytes, or an error naming the path and the system's reason.
    private static func contents(ofFile path: String) -> Result<[UInt8], ConfigurationError> {
        func failure(_ code: Int32) -> Result<[UInt8], ConfigurationError> {
            let reason = String(cString: strerror(code))
            return .failure(ConfigurationError(.unreadableFile, location: nil, message: "cannot read configuration file '\(path)': \(reason)"))
        }
        guard let file = fopen(path, "rb") else { return failure(errno) }
        defer { fclose(file) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            contents += buffer[0..<count]
            guard count == buffer.count else {
                // A short read is the end of the file or an error (EISDIR for a directory).
                if ferror(file) != 0 { return failure(errno) }
                return .success(contents)
            }
        }
    }
}
