import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, started with `posix_spawn`: its standard output and error (one
/// pipe) are read by a thread of its own with blocking reads, and its exit is awaited with
/// `waitpid` on another.
///
/// Not Foundation's `Process`: on Linux its run-loop and dispatch-source machinery
/// (`readabilityHandler`, `waitUntilExit`) has crashed and hung under these tests' load. The
/// child gets only standard input, output and error: every other descriptor of this process (a
/// socket another test is using, another child's pipe) is closed in it, so no child ever holds a
/// connection or an end-of-file of another test's open.
package final class ChildProcess: Sendable {
    /// The child's process id.
    package let pid: pid_t
    /// The child's output, line by line, as it arrives; finishes at end-of-file.
    package let lines: AsyncStream<String>

    private struct State {
        var output = ""
        var outputClosed = false
        var exitStatus: Int32?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    /// Signalled once the child has exited and its output is closed.
    private let settled = DispatchSemaphore(value: 0)

    /// Starts `executable` (a path, or a name looked up in PATH).
    /// - Parameters:
    ///   - environment: variables added to this process's own.
    ///   - directory: the child's working directory (default: this process's).
    package init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SpawnFailure(executable: executable, code: errno) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw SpawnFailure(executable: executable, code: errno) }
        if let directory, Self.addChangeDirectory(&actions, directory) != 0 { throw SpawnFailure(executable: executable, code: errno) }

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var spawned: pid_t = 0
        let status = posix_spawnp(&spawned, executable, &actions, nil, argv, envp)
        close(writeEnd)
        guard status == 0 else {
            close(readEnd)
            throw SpawnFailure(executable: executable, code: status)
        }
        let pid = spawned
        self.pid = pid

        let (lines, sink) = AsyncStream<String>.makeStream()
        self.lines = lines
        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16_384)
            var partial = ""
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                let text = String(decoding: buffer[..<count], as: UTF8.self)
                state.withLock { $0.output += text }
                partial += text
                while let newline = partial.firstIndex(of: "\n") {
                    sink.yield(String(partial[..<newline]))
                    partial = String(partial[partial.index(after: newline)...])
                }
            }
            close(readEnd)
            if !partial.isEmpty { sink.yield(partial) }
            sink.finish()
            settle { $0.outputClosed = true }
        }
        reader.start()
        let waiter = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // The shell's convention: the exit code, or 128 + the signal that ended it.
            let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            settle { $0.exitStatus = code }
        }
        waiter.start()
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which its Swift module
    /// does not export: closes every descriptor from the given one on, in the child.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("posix_spawn_file_actions_addclosefrom_np is missing: glibc 2.34 or later is needed")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later), likewise not exported.
    private static let addChangeDirectory: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
            fatalError("posix_spawn_file_actions_addchdir_np is missing: glibc 2.29 or later is needed")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)
    }()

    /// Applies a change, and wakes the waiters once the child has exited and its output is closed.
    private func settle(_ change: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
            change(&state)
            guard state.outputClosed, state.exitStatus != nil else { return nil }
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return }
        waiters.forEach { $0.resume() }
        settled.signal()
    }

    /// Sends a signal.
    package func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// What the child has written so far.
    package var output: String { state.withLock { $0.output } }

    /// The exit status (or 128 + signal) once the child has exited, else nil.
    package var exitStatus: Int32? { state.withLock { $0.exitStatus } }

    /// Waits until the child has exited and its output is closed; returns its exit status.
    @discardableResult
    package func finished() async -> Int32 {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard state.outputClosed, state.exitStatus != nil else {
                    state.waiters.append(continuation)
                    return false
                }
                return true
            }
            if now { continuation.resume() }
        }
        return exitStatus ?? -1
    }

    /// Blocks the calling thread until the child has exited and its output is closed (for
    /// synchronous callers; never from a test's own task when it can await ``finished()``).
    @discardableResult
    package func waitUntilExit() -> Int32 {
        settled.wait()
        settled.signal()  // later callers return at once too
        return exitStatus ?? -1
    }

    /// Runs a command to its end and returns its exit status and everything it printed.
    /// - Parameter seconds: past this, the command is killed and this throws ``DeadlinePassed``.
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                    deadline seconds: Double = 120) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, directory: directory)
        let status = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { await child.finished() }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                guard !Task.isCancelled else { return nil }
                child.signal(SIGKILL)  // then `finished` returns too
                throw DeadlinePassed(seconds: seconds)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        return (status ?? -1, child.output)
    }

    package struct SpawnFailure: Error, CustomStringConvertible {
        package var executable: String
        package var code: Int32
        package var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
    }
}
