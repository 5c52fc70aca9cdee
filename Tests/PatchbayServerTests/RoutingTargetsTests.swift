import Foundation
import Hummingbird
import HummingbirdTesting
import PatchbayConfig
import PatchbayTestSupport
import SeededRandom
import Synchronization
import Testing

@testable import PatchbayPluginHost
@testable import PatchbayServer

/// Targets with the echo plugin: the weighted choice, the routing state across reloads, and a
/// reload that changes targets under a stream.
@Suite("Routing: weighted targets and live reloads", .timeLimit(.minutes(2)))
struct RoutingTargetsTests {
    static let weighted = """
        providers:
          heavy: {plugin: echo}
          light: {plugin: echo}
          spare: {plugin: echo}
        assistants:
          default:
            targets:
              - {provider: heavy, model: echo-1, weight: 3}
              - {provider: light, model: echo-1, weight: 1}
              - {provider: spare, model: echo-1, fallback: true}
        """

    /// A seeded source for the weighted choice, so that a failure replays.
    static func seeded(_ seed: UInt64) -> @Sendable () -> UInt64 {
        let generator = Mutex(SeededGenerator(seed: seed))
        return { generator.withLock { $0.next() } }
    }

    @Test("weights 3:1 hold over 1,000 turns within statistical bounds; a fallback takes no share")
    func weightsHold() async throws {
        let host = try TestHost(yaml: Self.weighted, random: Self.seeded(20))
        let counts = try await host.test { client in
            var counts: [String: Int] = [:]
            for _ in 0..<1000 {
                let reply = try await client.chat(#"{"message":"hi","stream":false}"#)
                let provider = try #require(try JSONSerialization.jsonObject(with: Data(buffer: reply.body)) as? [String: Any])["provider"] as? String
                counts[provider ?? "none", default: 0] += 1
            }
            return counts
        }
        // 750 expected; the standard deviation is √(1000 · ¾ · ¼) ≈ 13.7: ±60 is over four of them.
        #expect((690...810).contains(counts["heavy"] ?? 0), "\(counts)")
        #expect((counts["heavy"] ?? 0) + (counts["light"] ?? 0) == 1000, "\(counts)")
        #expect(counts["spare"] == nil)
    }

    @Test("the weighted order: the first pick follows the weights, and every primary comes before the fallbacks")
    func weightedOrder() throws {
        let routes = try TestHost.routes(yaml: Self.weighted)
        let targets = try #require(routes.assistant("default")).targets
        var generator = SeededGenerator(seed: 7)
        var first: [String: Int] = [:]
        for _ in 0..<1000 {
            let order = RoutingPlan.weightedOrder(targets.filter { !$0.target.isFallback }, random: { generator.next() })
            #expect(Set(order.map(\.provider.name)) == ["heavy", "light"])
            first[order[0].provider.name, default: 0] += 1
        }
        #expect((690...810).contains(first["heavy"] ?? 0), "\(first)")
    }

    @Test("a reload keeps the breakers of unchanged targets and forgets those it changed")
    func breakersAcrossReloads() throws {
        let before = try TestHost.routes(yaml: Self.weighted)
        let health = RoutingHealth(metrics: PatchbayMetrics(), now: { Date(timeIntervalSince1970: 0) })
        for target in try #require(before.assistant("default")).targets {
            for _ in 0..<5 {
                health.callEnded(target, key: target.provider.keys[0], probe: false, verdict: .targetFailed(code: "PROVIDER_UNAVAILABLE"))
            }
            #expect(health.breaker(target).state == .open)
        }
        // heavy unchanged; light's model changed; spare's provider settings changed.
        let after = try TestHost.routes(yaml: Self.weighted.replacingOccurrences(of: "light, model: echo-1", with: "light, model: echo-2")
            .replacingOccurrences(of: "spare: {plugin: echo}", with: "spare: {plugin: echo, delay_ms: 1}"))
        health.keepOnly(after)
        let states = try #require(after.assistant("default")).targets.map { ($0.provider.name, health.breaker($0).state) }
        #expect(states.map(\.0) == ["heavy", "light", "spare"])
        #expect(states.map(\.1) == [.open, .closed, .closed])
    }

    @Test("a reload that changes an assistant's targets applies to the next turn; a stream in flight ends whole on the old one")
    func reloadUnderAStream() async throws {
        let config = """
            plugins: {directory: ./plugins}
            providers:
              slow: {plugin: echo, delay_ms: 20}
              quick: {plugin: echo}
            assistants:
              default:
                targets: [{provider: slow, model: echo-1}]
            """
        let deployment = try EchoDeployment(config: config)
        let libraries = PluginLibraryCache()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, libraries: libraries, logger: LogRecorder().logger())
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false))
        let words = (1...60).map { "w\($0)" }.joined(separator: " ")
        try await host.liveListeners { listeners in
            let port = listeners.port
            let streamed = try await RawHTTPClient.exchange(
                port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","stream":true}"#, headers: ["Connection": "close"])
            ) { inbound in
                var text = try await RawHTTPClient.read(&inbound) { $0.contains(#""done":false"#) }
                // The stream has begun on `slow`: now the assistant moves to `quick`.
                try deployment.rewrite(config.replacingOccurrences(of: "[{provider: slow, model: echo-1}]",
                                                                   with: "[{provider: quick, model: echo-2}, {provider: slow, model: echo-1, fallback: true}]"))
                let reload = try await LiveHTTP.send(to: listeners.admin, "POST", "/admin/reload")
                #expect(reload.status == 200)
                #expect(reload.body.contains(#""result":"applied""#), "\(reload.body)")
                let next = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: #"{"message":"after","stream":false}"#)
                #expect(next.status == 200)
                #expect(try next.json()["provider"] as? String == "quick")
                #expect(try next.json()["model"] as? String == "echo-2")
                // To the end: the server closes the connection after the last frame.
                text += try await RawHTTPClient.read(&inbound) { _ in false }
                return text
            }
            // Lines, not blank-line blocks: the raw body carries its chunk sizes between frames.
            let frames = streamed.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("data: ") }
            let objects = try frames.map { try #require(try JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any]) }
            #expect(objects.compactMap { $0["content"] as? String }.joined() == words, "every word, none dropped")
            let last = try #require(objects.last)
            #expect(last["error"] == nil)
            #expect(last["provider"] as? String == "slow")
        }
    }
}
