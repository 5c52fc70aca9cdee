import PatchbayConfig
import Testing

@Suite("Targets, API keys and circuit breakers in providers.yaml")
struct RoutingSettingsTests {
    @Test("targets are read with weights, fallbacks and overrides; the single form is one target")
    func targets() throws {
        let text = """
            providers:
              openai: {plugin: openai, api_keys: ["${KEY_A}", "${KEY_B}", "${KEY_UNSET}"], circuit_breaker: {failures: 3, cool_down_seconds: 60}}
              anthropic: {plugin: anthropic, api_key: "${KEY_A}"}
            assistants:
              default:
                targets:
                  - {provider: openai, model: gpt-4o-mini, weight: 3}
                  - {provider: anthropic, model: claude-haiku-4-5, fallback: true, max_tokens: 1024, temperature: 0.2}
              plain: {provider: anthropic, model: claude-sonnet-4-5}
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: ["KEY_A": "a-1", "KEY_B": "b-2"])
        let assistant = try #require(configuration.assistant(id: "default"))
        #expect(assistant.provider == "openai" && assistant.model == "gpt-4o-mini")
        #expect(assistant.targets.map(\.name) == ["openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"])
        #expect(assistant.targets.map(\.weight) == [3, 1])
        #expect(assistant.targets.map(\.isFallback) == [false, true])
        let tuned = assistant.answering(with: assistant.targets[1])
        #expect(tuned.maxTokens == 1024 && tuned.temperature == 0.2 && tuned.model == "claude-haiku-4-5")
        let plain = try #require(configuration.assistant(id: "plain"))
        #expect(plain.targets == [AssistantTarget(provider: "anthropic", model: "claude-sonnet-4-5", location: plain.location)])

        let openAI = try #require(configuration.provider(named: "openai"))
        #expect(openAI.apiKeys == ["a-1", "b-2"])
        #expect(openAI.unsetAPIKeys == ["KEY_UNSET"])
        #expect(openAI.isConfigured)
        #expect(openAI.circuitBreaker == CircuitBreakerSettings(failures: 3, coolDownSeconds: 60))
        #expect(!openAI.settingsJSON.contains("api_keys") && !openAI.settingsJSON.contains("circuit_breaker"))
        #expect(!openAI.settingsJSON.contains("a-1"))
        #expect(openAI.settingsJSON(apiKey: "b-2") == #"{"provider_name":"openai","api_key":"b-2"}"#)
        #expect(configuration.provider(named: "anthropic")?.circuitBreaker == CircuitBreakerSettings())
    }

    @Test("api_keys with no key set leaves the provider not configured, as an unset api_key does")
    func noKeySet() throws {
        let text = """
            providers:
              openai: {plugin: openai, api_keys: ["${KEY_A}", "${KEY_B}"]}
            assistants:
              default: {provider: openai, model: gpt-4o-mini}
            """
        let openAI = try #require(try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:]).provider(named: "openai"))
        #expect(!openAI.isConfigured)
        #expect(openAI.missingVariables == ["KEY_A", "KEY_B"])
    }

    @Test("wrong targets, keys and breakers are located errors that show no key")
    func mistakes() {
        let text = """
            providers:
              openai: {plugin: openai, api_key: "${K}", api_keys: ["${K}"]}
              other: {plugin: openai, api_keys: [], circuit_breaker: {failures: 0, cooldown: 5}}
              third: {plugin: openai, api_keys: [42, "sk-literal-SECRET"]}
            assistants:
              both: {provider: openai, model: m, targets: [{provider: openai, model: m}]}
              none:
                targets: []
              fallbacks:
                targets:
                  - {provider: openai, model: m, fallback: true, weight: 2}
              typo:
                targets:
                  - {provider: nowhere, model: m, wieght: 2}
                  - {provider: openai, model: m, weight: 0}
                  - {provider: openai, model: m}
                  - {model: m}
              nolist: {targets: openai}
            """
        let found = errorDescriptions(text, environment: ["K": "sk-env-SECRET"])
        #expect(found.count == 16, "\(found.joined(separator: "\n"))")
        func has(_ prefix: String, _ part: String) -> Bool { found.contains { $0.hasPrefix("providers.yaml:" + prefix + ": ") && $0.contains(part) } }
        #expect(has("2:45", "provider 'openai': use either 'api_key' or 'api_keys', not both"))
        #expect(has("3:37", "provider 'other': api_keys must be a non-empty list of keys, found list"))
        #expect(has("3:69", "circuit_breaker.failures must be an integer from 1 to 1000, found number 0"))
        #expect(has("3:72", "unknown key 'cooldown' in provider 'other' under 'circuit_breaker'; known keys: failures, cool_down_seconds"))
        #expect(has("4:38", "provider 'third': api_keys[0] must be a string"))
        #expect(has("6:10", "assistant 'both': 'provider' cannot stand beside 'targets'"))
        #expect(has("6:28", "assistant 'both': 'model' cannot stand beside 'targets'"))
        #expect(has("8:14", "assistant 'none': targets must be a non-empty list of targets"))
        #expect(has("11:7", "assistant 'fallbacks': targets needs at least one primary target"))
        #expect(has("11:54", "targets[0].weight applies to primary targets only"))
        #expect(has("14:20", "targets[0] uses provider 'nowhere'; known providers: openai, other, third"))
        #expect(has("14:39", "unknown key 'wieght' in assistant 'typo' under 'targets[0]' (did you mean 'weight'?)"))
        #expect(has("15:46", "targets[1].weight must be an integer from 1 to 1000"))
        #expect(has("16:9", "targets[2]: target 'openai/m' is listed twice"))
        #expect(has("17:9", "targets[3] is missing required key 'provider'"))
        #expect(has("18:21", "assistant 'nolist': targets must be a non-empty list of targets"))
        #expect(!found.contains { $0.contains("SECRET") })
    }
}
