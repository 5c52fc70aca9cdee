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
