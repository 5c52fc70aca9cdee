import Foundation
import PatchbayTestSupport
import Testing

/// The `/v1` doors driven by the official `openai` and `anthropic` Python SDKs (Tests/SDK/sdk_test.py,
/// pinned in Tests/requirements.txt), against the real `patchbay serve` with the echo plugin and
/// authentication on. Without the SDKs this test fails; it is never skipped.
@Suite("The official OpenAI and Anthropic SDKs against /v1")
struct SDKCompatibilityTests {
    static let key = "pk-sdk-test-7Hq2"

    @Test("plain and streamed replies with usage, model listing, each error as the SDK's own class, a stopped stream cancels the call")
    func sdks() async throws {
        let python = BrowserWidgetTests.python
        try #require(FileManager.default.isExecutableFile(atPath: python), "no Python with the SDKs at \(python): run `make pydeps`")
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write("""
            plugins: {directory: .}
            storage: {sqlite_path: ./chats.sqlite}
            providers:
              echo: {plugin: echo}
              slow: {plugin: echo, delay_ms: 50}
            assistants:
              default: {provider: echo, model: echo-1, aliases: [gpt-4o-mini]}
              slow: {provider: slow, model: echo-1}
              limited: {provider: echo, model: echo-1, limits: {requests_per_minute: 1}}
              secret: {provider: echo, model: echo-1}
            auth:
              enabled: true
              keys:
                - {id: sdk, key_env: SDK_TEST_KEY, assistants: [default, slow, limited]}
            """, as: "providers.yaml")
        let server = try await ServerProcess(config: config, environment: ["SDK_TEST_KEY": Self.key])
        defer { server.kill(SIGTERM) }

        let run = try await ChildProcess.run(python, [
            "\(TestPaths.repositoryRoot)/Tests/SDK/sdk_test.py", "--base-url", "http://127.0.0.1:\(server.port)", "--key", Self.key,
        ], deadline: 180)
        print(run.output.split(separator: "\n").filter { $0.hasPrefix("PASS ") || $0.hasPrefix("FAIL ") }.joined(separator: "\n"))
        let resultLine = run.output.split(separator: "\n").last { $0.hasPrefix("RESULT ") }
        let result = try #require(resultLine.flatMap { try? JSONDecoder().decode(BrowserWidgetTests.BrowserResult.self, from: Data($0.dropFirst(7).utf8)) },
                                  "the SDK script printed no result:\n\(run.output)")
        #expect(run.status == 0, "the SDK script failed:\n\(run.output)")
        #expect(result.failed.isEmpty, "failed with the SDKs: \(result.failed)")
        #expect(result.planned.count == 8 && result.passed == result.planned, "not every planned check passed: \(result)")
    }
}
