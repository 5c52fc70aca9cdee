import Foundation
import HummingbirdTesting
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The `mirror` plugin, written in Rust against the header alone, behind the real host: it is
/// configured, checked and answers through every door like the shipped plugins.
@Suite("A provider plugin written in Rust")
struct RustPluginTests {
    static let yaml = """
        providers:
          mirror: {plugin: mirror, delay_ms: 0}
        assistants:
          default: {provider: mirror, model: mirror-1}
        """

    @Test("streamed and non-streamed replies through /api/chat and /v1/chat/completions")
    func answers() async throws {
        try await RustPlugin.build()
        let host = try TestHost(yaml: Self.yaml, plugins: [RustPlugin.product])
        try await host.test { client in
            let streamed = try await client.ask("default", "héllo from 👋 Rust")
            #expect(streamed.status == .ok)
            let (text, last) = try sseReply(streamed)
            #expect(text == "héllo from 👋 Rust")
            #expect((last["usage"] as? [String: Any])?["outputTokens"] as? Int == 4)

            let openAI = try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                body: .init(string: #"{"model":"default","messages":[{"role":"user","content":"say \"quoted\" words"}]}"#))
            #expect(openAI.status == .ok)
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(buffer: openAI.body)) as? [String: Any])
            let message = ((reply["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(message == #"say "quoted" words"#)
        }
    }

    @Test("a settings typo is refused with the plugin's own words")
    func settingsChecked() async throws {
        try await RustPlugin.build()
        let routes = try TestHost.routes(yaml: Self.yaml.replacingOccurrences(of: "delay_ms: 0", with: "dealy_ms: 0"), plugins: [RustPlugin.product])
        #expect(routes.problems.contains { "\($0)".contains("mirror: unknown setting 'dealy_ms' (known: delay_ms)") })
    }
}
