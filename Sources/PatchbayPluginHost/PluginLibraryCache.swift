import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a loader has opened, by path and by the file's identity, so that a rescan of the plugins
/// folder reopens only what changed. Libraries are never closed, so nothing here is ever freed
/// but the bookkeeping.
public final class PluginLibraryCache: Sendable {
    private struct State {
        var results: [String: (identity: FileIdentity, result: Result<LoadedPlugin, PluginLoadError>)] = [:]
        var opened: Set<String> = []
    }

    private let state = Mutex(State())

    /// Creates an empty cache.
    public init() {}

    /// The result of loading `path` when it was this very file, if it was.
    func result(for path: String, identity: FileIdentity) -> Result<LoadedPlugin, PluginLoadError>? {
        state.withLock { state in
            guard let known = state.results[path], known.identity == identity else { return nil }
            return known.result
        }
    }

    /// Whether `dlopen` has been given this path before (then a new file there needs a copy).
    func hasOpened(_ path: String) -> Bool {
        state.withLock { $0.opened.contains(path) }
    }

    func remember(_ result: Result<LoadedPlugin, PluginLoadError>, for path: String, identity: FileIdentity?) {
        state.withLock { state in
            state.opened.insert(path)
            if let identity { state.results[path] = (identity, result) } else { state.results[path] = nil }
        }
    }
}

/// Which file a path names right now: a file replaced (by a rename, or rewritten) has another.
public struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    /// The identity of the file at `path`; nil if there is none.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
