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

        try await ScriptedChecks.run("Tests/SDK/sdk_test.py", ["--base-url", "http://127.0.0.1:\(server.port)", "--key", Self.key],
                                     what: "SDK", atLeast: 8, deadline: 180)
    }
}
