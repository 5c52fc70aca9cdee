import Foundation
import PatchbayTestSupport
import Testing

/// What a Python script of checks reported (Tests/Browser/widget_test.py, Tests/SDK/sdk_test.py):
/// it prints `PASS name` or `FAIL name` per check and, last, `RESULT {"planned", "passed", "failed"}`.
struct ScriptedChecks: Decodable {
    var planned: [String]
    var passed: [String]
    var failed: [String]

    /// The Python of the test venv: `PATCHBAY_BROWSER_PYTHON`, else the one `make pydeps` makes.
    static let python = ProcessInfo.processInfo.environment["PATCHBAY_BROWSER_PYTHON"]
        ?? "\(TestPaths.repositoryRoot)/.build/pyenv/bin/python"

    /// A folder with the echo plugin and a providers.yaml for a browser test: `nokey` (a provider
    /// that cannot answer) and `echo` (60 ms between words), then `assistants`. Fails, never
    /// skips, without Chromium and chromedriver.
    static func browserDeployment(assistants: String) throws -> (directory: TemporaryDirectory, config: String) {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: apt-get install chromium chromium-driver")
        }
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write("""
            plugins: {directory: .}
            storage: {sqlite_path: ./chats.sqlite}
            providers:
              nokey: {plugin: echo, api_key: "${PATCHBAY_TEST_UNSET_KEY}"}
              echo: {plugin: echo, delay_ms: 60}
            assistants:
            \(assistants)
            """, as: "providers.yaml")
        return (directory, config)
    }

    /// Expects each named screenshot in `folder` to be a PNG of some substance.
    static func expectScreenshots(_ names: [String], in folder: String) {
        for name in names {
            let png = FileManager.default.contents(atPath: "\(folder)/\(name)") ?? Data()
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(name) was not saved")
        }
    }

    /// Runs `script` (relative to the repository) and expects every one of at least `minimum`
    /// planned checks to pass; prints the PASS/FAIL lines.
    @discardableResult
    static func run(_ script: String, _ arguments: [String], what: String, atLeast minimum: Int, deadline: Double) async throws -> ScriptedChecks {
        try #require(FileManager.default.isExecutableFile(atPath: python), "no test Python at \(python): run `make pydeps`")
        let run = try await ChildProcess.run(python, ["\(TestPaths.repositoryRoot)/\(script)"] + arguments, deadline: deadline)
        let resultLine = run.output.split(separator: "\n").last { $0.hasPrefix("RESULT ") }
        let result = try #require(resultLine.flatMap { try? JSONDecoder().decode(ScriptedChecks.self, from: Data($0.dropFirst(7).utf8)) },
                                  "the \(what) script printed no result:\n\(run.output)")
        print(run.output.split(separator: "\n").filter { $0.hasPrefix("PASS ") || $0.hasPrefix("FAIL ") }.joined(separator: "\n"))
        #expect(run.status == 0, "the \(what) script failed:\n\(run.output)")
        #expect(result.failed.isEmpty, "failed (\(what)): \(result.failed)")
        #expect(result.planned.count >= minimum && result.passed == result.planned, "not every planned check passed: \(result)")
        return result
    }
}
