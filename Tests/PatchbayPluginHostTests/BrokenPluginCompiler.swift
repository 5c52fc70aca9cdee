import Foundation
import PatchbayTestSupport

/// Builds the deliberately broken plugins of Tests/Fixtures/BrokenPlugins with the system C
/// compiler, against the real header, the way an outside plugin author would.
enum BrokenPluginCompiler {
    static func compile(_ variant: String, into directory: TemporaryDirectory, name: String? = nil) async throws -> String {
        let output = "\(directory.path)/\(name ?? "lib\(variant.lowercased()).so")"
        let compile = try await ChildProcess.run(ProcessInfo.processInfo.environment["CC"] ?? "cc", [
            "-shared", "-fPIC", "-std=c11", "-Wall", "-Werror",
            "-DBROKEN_\(variant)", "-I", "\(TestPaths.repositoryRoot)/Sources/CPatchbayPlugin/include",
            "\(TestPaths.repositoryRoot)/Tests/Fixtures/BrokenPlugins/broken_plugin.c", "-o", output,
        ])
        guard compile.status == 0 else {
            throw CompileFailure(variant: variant, status: compile.status, output: compile.output)
        }
        return output
    }

    struct CompileFailure: Error { var variant: String; var status: Int32; var output: String }
}
