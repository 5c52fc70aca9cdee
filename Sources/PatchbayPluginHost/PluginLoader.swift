import CPatchbayPlugin
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Opens provider plugins with `dlopen` and checks them against the ABI before anything calls in.
///
/// A file that is not a valid plugin is refused with one precise log line naming the file and
/// the reason; the others load regardless.
public struct PluginLoader: Sendable {
    /// The host's ABI version.
    public static let abiMajor = Int(PATCHBAY_ABI_MAJOR)
    /// The host's ABI minor version.
    public static let abiMinor = Int(PATCHBAY_ABI_MINOR)
    /// The smallest descriptor ABI 1.0 accepts: every member up to `chat_release`.
    public static let minimumDescriptorSize =
        MemoryLayout<patchbay_plugin_descriptor>.offset(of: \.chat_release)! + MemoryLayout<UnsafeRawPointer>.size

    private let logger: Logger
    /// What earlier scans opened, for a server that rescans its folder while it runs.
    private let libraries: PluginLibraryCache?

    /// Creates a loader that logs refusals to `logger`.
    /// - Parameter libraries: give one to a loader that scans the same folder again and again: a file
    ///   unchanged since the last scan is not opened again, and a file replaced since is opened
    ///   from a private copy (`dlopen` would hand back the old library for the same path).
    public init(logger: Logger, libraries: PluginLibraryCache? = nil) {
        self.logger = logger
        self.libraries = libraries
    }

    /// Loads every `*.so` in `directory`, in name order. A name taken by an earlier file is refused.
    public func loadDirectory(_ directory: String) -> PluginCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            logger.error("plugins folder cannot be read", metadata: [
                "plugin.directory": .string(directory), "error": .string("\(error.localizedDescription)"),
            ])
            return PluginCatalog(directory: directory, plugins: [], refusals: [], directoryMissing: true)
        }
        var catalog = PluginCatalog(directory: directory, plugins: [], refusals: [], directoryMissing: false)
        for name in names.sorted() where name.hasSuffix(".so") && !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            let (loaded, fresh) = loadRemembering(path: path)
            let result = loaded.flatMap { plugin -> Result<LoadedPlugin, PluginLoadError> in
                if let taken = catalog.plugin(named: plugin.name) {
                    return .failure(.duplicateName(path, name: plugin.name, takenBy: taken.path))
                }
                return .success(plugin)
            }
            switch result {
            case .success(let plugin):
                catalog.plugins.append(plugin)
                guard fresh else { continue }  // said when it was first loaded
                logger.info("plugin loaded", metadata: [
                    "plugin": .string(plugin.name), "plugin.version": .string(plugin.version),
                    "plugin.path": .string(path), "plugin.abi": .string("\(plugin.abiMajor).\(plugin.abiMinor)"),
                ])
            case .failure(let refusal):
                catalog.refusals.append(refusal)
                guard fresh else { continue }
                logger.error("plugin refused: \(refusal.message)", metadata: ["plugin.path": .string(path)])
            }
        }
        return catalog
    }

    /// Loads a file through the cache, if there is one.
    /// - Returns: the result, and whether it is new (not the same file's result from an earlier scan).
    private func loadRemembering(path: String) -> (Result<LoadedPlugin, PluginLoadError>, fresh: Bool) {
        guard let libraries else { return (load(path: path), true) }
        let identity = FileIdentity(path: path)
        if let identity, let known = libraries.result(for: path, identity: identity) { return (known, false) }
        let result: Result<LoadedPlugin, PluginLoadError>
        if libraries.hasOpened(path) {
            result = loadPrivateCopy(of: path)
        } else {
            result = load(path: path)
        }
        libraries.remember(result, for: path, identity: identity)
        return (result, true)
    }

    /// Opens a copy of the file under a name `dlopen` has never seen, then unlinks the copy (the
    /// mapping stays): the only way to load a new build of a library whose path is already open.
    private func loadPrivateCopy(of path: String) -> Result<LoadedPlugin, PluginLoadError> {
        if let refusal = Self.checkELFHeader(path) { return .failure(refusal) }
        let copy = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("patchbay-plugin-\(getpid())-\(UUID().uuidString).so")
        do {
            try FileManager.default.copyItem(atPath: path, toPath: copy)
        } catch {
            return .failure(.cannotOpen(path, reason: "cannot make a private copy to load: \(error.localizedDescription)"))
        }
        defer { unlink(copy) }
        return load(path: path, openFrom: copy)
    }

    /// Opens one file and validates its descriptor.
    public func load(path: String) -> Result<LoadedPlugin, PluginLoadError> {
        if let refusal = Self.checkELFHeader(path) { return .failure(refusal) }
        return load(path: path, openFrom: path)
    }

    /// Opens `openFrom` (the file itself or a private copy of it); messages name `path`.
    private func load(path: String, openFrom: String) -> Result<LoadedPlugin, PluginLoadError> {
        _ = dlerror()
        guard let library = dlopen(openFrom, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            return .failure(.cannotOpen(path, reason: reason))
        }
        // From here on the library stays open, even when refused: closing a library that ran
        // Swift or C++ static initialisers is not safe, and a refused file costs only its mapping.
        guard let symbol = dlsym(library, PATCHBAY_PLUGIN_ENTRY_SYMBOL) else {
            // Name another major's entry point if there is one: "built for ABI 2" beats "not a plugin".
            var other: String? = nil
            for major in 0...9 where major != Self.abiMajor && other == nil {
                let name = "patchbay_plugin_entry_v\(major)"
                if dlsym(library, name) != nil { other = name }
            }
            return .failure(.missingEntry(path, found: other))
        }
        let entry = unsafeBitCast(symbol, to: patchbay_plugin_entry_fn.self)
        guard let raw = entry(UInt16(Self.abiMajor), UInt16(Self.abiMinor)) else {
            return .failure(.entryRefused(path, hostMajor: Self.abiMajor, hostMinor: Self.abiMinor))
        }
        let result = Self.validate(raw, path: path)
        if case .success(let plugin) = result, let problem = plugin.embeddingInconsistency {
            // Loaded regardless: it still chats. It is only never asked to embed.
            logger.warning("plugin \(plugin.name) will not embed: \(problem)", metadata: ["plugin.path": .string(path)])
        }
        return result
    }

    /// Checks a descriptor and copies it, never reading past the plugin's `struct_size`.
    static func validate(_ raw: UnsafePointer<patchbay_plugin_descriptor>, path: String) -> Result<LoadedPlugin, PluginLoadError> {
        // The header {struct_size, abi_major, abi_minor} is the same in every version: read it alone.
        let header = UnsafeRawPointer(raw)
        let size = Int(header.load(as: UInt32.self))
        let major = Int(header.load(fromByteOffset: 4, as: UInt16.self))
        let minor = Int(header.load(fromByteOffset: 6, as: UInt16.self))
        guard major == abiMajor else {
            return .failure(.wrongMajor(path, pluginMajor: major, pluginMinor: minor, hostMajor: abiMajor, hostMinor: abiMinor))
        }
        guard size >= minimumDescriptorSize else {
            return .failure(.truncatedDescriptor(path, size: size, minimum: minimumDescriptorSize))
        }
        var descriptor = patchbay_plugin_descriptor()
        withUnsafeMutableBytes(of: &descriptor) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: header, count: min(size, target.count)))
        }

        guard let namePointer = descriptor.name else { return .failure(.invalidDescriptor(path, "name is NULL")) }
        let name = String(cString: namePointer)
        guard !name.isEmpty, name.count <= 64,
              name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F })
        else {
            return .failure(.invalidDescriptor(path, "name '\(name)' must be 1 to 64 of a-z, 0-9, '-' and '_'"))
        }
        guard let versionPointer = descriptor.version else { return .failure(.invalidDescriptor(path, "version is NULL")) }
        guard let manifestPointer = descriptor.manifest_json else {
            return .failure(.invalidDescriptor(path, "manifest_json is NULL"))
        }
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest.decode(String(cString: manifestPointer))
        } catch {
            return .failure(.invalidDescriptor(path, "manifest_json is not {\"capabilities\": [...], \"models\": [...]}"))
        }
        let missing = [
            ("instance_create", descriptor.instance_create == nil),
            ("instance_destroy", descriptor.instance_destroy == nil),
            ("chat_start", descriptor.chat_start == nil),
            ("chat_cancel", descriptor.chat_cancel == nil),
            ("chat_release", descriptor.chat_release == nil),
        ].filter(\.1).map(\.0)
        guard missing.isEmpty else {
            return .failure(.invalidDescriptor(path, "required functions are NULL: \(missing.joined(separator: ", "))"))
        }
        // Half a pause pair would leave a paused call with no way back: refuse it outright.
        guard (descriptor.chat_pause == nil) == (descriptor.chat_resume == nil) else {
            return .failure(.invalidDescriptor(path, "chat_pause and chat_resume must be both set or both NULL"))
        }
        return .success(LoadedPlugin(
            name: name, version: String(cString: versionPointer), path: path,
            abiMajor: major, abiMinor: minor, manifest: manifest, descriptor: descriptor
        ))
    }

    /// Refuses a file that is not ELF before dlopen sees it, for a clearer message.
    private static func checkELFHeader(_ path: String) -> PluginLoadError? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .cannotOpen(path, reason: "cannot read the file")
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0x7F, 0x45, 0x4C, 0x46]) ? nil : .notELF(path)
    }
}

/// What a scan of the plugins folder found.
public struct PluginCatalog: Sendable {
    /// The folder scanned.
    public var directory: String
    /// The plugins that loaded, in file-name order.
    public var plugins: [LoadedPlugin]
    /// The files refused, with their reasons.
    public var refusals: [PluginLoadError]
    /// Whether the folder could not be read at all.
    public var directoryMissing: Bool

    /// The plugin with this name, if one loaded.
    public func plugin(named name: String) -> LoadedPlugin? {
        plugins.first { $0.name == name }
    }
}
