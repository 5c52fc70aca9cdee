import Foundation
import PatchbayTestSupport

/// Builds the fixture plugins of Tests/Fixtures with the system C compiler, against the real
/// header, the way an outside plugin author would: the deliberately broken plugins of
/// BrokenPlugins, the ABI 1.0, 1.1, 1.2 and 1.3 plugins, and the ABI 1.0 host of ABI10Host.
enum BrokenPluginCompiler {
    static func compile(_ variant: String, into directory: TemporaryDirectory, name: String? = nil) async throws -> String {
        try await compile(source: "BrokenPlugins/broken_plugin.c", flags: ["-DBROKEN_\(variant)"],
                          output: "\(directory.path)/\(name ?? "lib\(variant.lowercased()).so")", label: variant)
    }

    /// Builds the plugin whose descriptor is ABI 1.0's (no chat_pause, no chat_resume).
    static func compileABI10(into directory: TemporaryDirectory) async throws -> String {
        try await compile(source: "ABI10Plugin/abi10_plugin.c", flags: ["-pthread"],
                          output: "\(directory.path)/libabi10.so", label: "ABI10")
    }

    /// Builds the plugin whose descriptor is ABI 1.1's (pause and resume, no state capability).
    /// - Parameter flags: `-DDECLARES_STATE` and `-DSTATE_BYTES=N` turn it into a plugin that
    ///   declares the 1.2 capability and sends a state of N bytes, to test the host's limit.
    static func compileABI11(into directory: TemporaryDirectory, flags: [String] = [], name: String = "libabi11.so") async throws -> String {
        try await compile(source: "ABI11Plugin/abi11_plugin.c", flags: flags, output: "\(directory.path)/\(name)", label: "ABI11")
    }

    /// Builds the plugin whose descriptor is ABI 1.2's (ends at chat_resume, declares state).
    /// - Parameter flags: `-DCLAIMS_EMBEDDINGS` makes its manifest list "embeddings" without an embed_start.
    static func compileABI12(into directory: TemporaryDirectory, flags: [String] = [], name: String = "libabi12.so") async throws -> String {
        try await compile(source: "ABI12Plugin/abi12_plugin.c", flags: flags, output: "\(directory.path)/\(name)", label: "ABI12")
    }

    /// Builds the plugin whose descriptor is ABI 1.3's (ends at embed_start; chats and embeds, sends no timing).
    static func compileABI13(into directory: TemporaryDirectory) async throws -> String {
        try await compile(source: "ABI13Plugin/abi13_plugin.c", flags: [], output: "\(directory.path)/libabi13.so", label: "ABI13")
    }

    /// Builds the host program that knows only ABI 1.0: against the frozen 1.0 header of
    /// ABI10Host, never the current one.
    static func compileABI10Host(into directory: TemporaryDirectory) async throws -> String {
        try await compile(source: "ABI10Host/abi10_host.c", flags: ["-D_POSIX_C_SOURCE=200809L", "-pthread"],
                          output: "\(directory.path)/abi10_host", label: "ABI10Host",
                          shared: false, include: "Tests/Fixtures/ABI10Host", libraries: ["-ldl"])
    }

    private static func compile(
        source: String, flags: [String], output: String, label: String,
        shared: Bool = true, include: String = "Sources/CPatchbayPlugin/include", libraries: [String] = []
    ) async throws -> String {
        let compile = try await ChildProcess.run(ProcessInfo.processInfo.environment["CC"] ?? "cc", [
            "-std=c11", "-Wall", "-Werror",
        ] + (shared ? ["-shared", "-fPIC"] : []) + flags + [
            "-I", "\(TestPaths.repositoryRoot)/\(include)",
            "\(TestPaths.repositoryRoot)/Tests/Fixtures/\(source)", "-o", output,
        ] + libraries)
        guard compile.status == 0 else {
            throw CompileFailure(variant: label, status: compile.status, output: compile.output)
        }
        return output
    }

    struct CompileFailure: Error { var variant: String; var status: Int32; var output: String }
}
