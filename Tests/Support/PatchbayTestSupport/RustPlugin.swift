import Foundation

/// The `mirror` provider plugin, written in Rust (Plugins/MirrorProvider), built with cargo from
/// its own sources the first time a test asks for it, and placed beside the SwiftPM-built plugins
/// as `libMirrorProvider.so` — so `TestPaths.builtPlugin("MirrorProvider")` and every helper that
/// takes a product name work for it too.
package enum RustPlugin {
    /// The product name tests pass where they pass a SwiftPM plugin's.
    package static let product = "MirrorProvider"

    /// Builds the plugin once per test process; later calls wait for that build.
    package static func build() async throws {
        try await builds.run()
    }

    private static let builds = OneBuild()

    /// cargo from `CARGO`, else from PATH, else rustup's usual place.
    static var cargo: String {
        let environment = ProcessInfo.processInfo.environment
        if let cargo = environment["CARGO"], !cargo.isEmpty { return cargo }
        let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["\(NSHomeDirectory())/.cargo/bin"]
        return directories.map { "\($0)/cargo" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "cargo"
    }

    private actor OneBuild {
        private var done = false

        func run() async throws {
            guard !done else { return }
            let targetDirectory = "\(TestPaths.buildDirectory)/cargo"
            let build = try await ChildProcess.run(RustPlugin.cargo, [
                "build", "--release", "--offline", "--quiet",
                "--manifest-path", "\(TestPaths.repositoryRoot)/Plugins/MirrorProvider/Cargo.toml",
                "--target-dir", targetDirectory,
            ], deadline: 300)
            guard build.status == 0 else { throw BuildFailure(status: build.status, output: build.output) }
            let installed = TestPaths.builtPlugin(RustPlugin.product)
            try? FileManager.default.removeItem(atPath: installed)
            try FileManager.default.copyItem(atPath: "\(targetDirectory)/release/lib\(RustPlugin.product).so", toPath: installed)
            done = true
        }
    }

    /// cargo failed: its output says why.
    package struct BuildFailure: Error, CustomStringConvertible {
        package var status: Int32
        package var output: String
        package var description: String { "cargo build of Plugins/MirrorProvider failed (\(status)):\n\(output.suffix(3000))" }
    }
}
