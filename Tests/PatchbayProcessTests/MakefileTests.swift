import Foundation
import PatchbayTestSupport
import Testing

@Suite("The Makefile's two commands")
struct MakefileTests {
    /// What `make TARGET` would run, without running it.
    private func dryRun(_ target: String) async throws -> String {
        let result = try await ChildProcess.run("make", ["-n", "-C", TestPaths.repositoryRoot, target])
        try #require(result.status == 0, "make -n \(target) failed: \(result.output)")
        return result.output
    }

    @Test("make run installs what building and running need, and no browser or test tool")
    func runInstallsNoBrowser() async throws {
        let run = try await dryRun("run")
        #expect(run.contains("libcurl4-openssl-dev"))
        for testOnly in ["chromium", "chromium-driver", "python3-venv", "requirements.txt"] {
            #expect(!run.contains(testOnly), "make run would install \(testOnly)")
        }
        let test = try await dryRun("test")
        #expect(test.contains("chromium-driver") && test.contains("requirements.txt"), "make test installs the test tools")
    }
}
