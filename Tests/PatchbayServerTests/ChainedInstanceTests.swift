import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// Patchbay's own `openai` plugin pointed at another Patchbay's `/v1`: one instance chaining to
/// another, which is what any OpenAI-compatible client of ours looks like from the far side.
@Suite("One Patchbay chained to another through /v1", .timeLimit(.minutes(2)))
struct ChainedInstanceTests {
    static let key = "pk-chain-upstream-9"

    @Test("the reply arrives intact, streamed and not, with its usage")
    func chained() async throws {
        let upstream = try TestHost(yaml: TestHost.yaml + """

            auth:
              enabled: true
              keys: [{id: downstream, key_env: CHAIN_KEY}]
            """, environment: ["CHAIN_KEY": Self.key])
        try await upstream.live { upstreamPort in
            let downstream = try TestHost(yaml: """
                providers:
                  patchbay: {plugin: openai, base_url: "http://127.0.0.1:\(upstreamPort)/v1", api_key: "${CHAIN_KEY}"}
                assistants:
                  default: {provider: patchbay, model: default}
                """, environment: ["CHAIN_KEY": Self.key], plugins: ["OpenAIProvider"])
            try await downstream.live { port in
                let words = "chained through two gateways, \"quoted\" and ünïcode ✓"
                let body = #"{"messages":[{"role":"user","content":"\#(words.replacingOccurrences(of: "\"", with: "\\\""))"}],"stream":false}"#
                let plain = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: body)
                #expect(plain.status == 200, "\(plain.body)")
                let reply = try plain.json()
                #expect(reply["content"] as? String == words)
                #expect((reply["usage"] as? [String: Any])?["outputTokens"] as? Int == words.split(separator: " ").count)

                let streamed = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: body.replacingOccurrences(of: #""stream":false"#, with: #""stream":true"#))
                #expect(streamed.status == 200)
                let text = streamed.body.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                    guard line.hasPrefix("data: "), let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                          object["done"] as? Bool == false else { return nil }
                    return object["content"] as? String
                }.joined()
                #expect(text == words)
                #expect(streamed.body.contains(#""done":true"#))
            }
        }
    }
}
