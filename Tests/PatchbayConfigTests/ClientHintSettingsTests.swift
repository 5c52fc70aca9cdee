import PatchbayConfig
import Testing

@Suite("Assistant aliases and client parameters")
struct ClientHintSettingsTests {
    @Test("aliases and client_parameters are read; without them only stop sequences are allowed")
    func read() throws {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1}
              technical:
                provider: echo
                model: echo-1
                aliases: [claude, anthropic]
                client_parameters: {temperature: {max: 1.0}, top_p: true, max_tokens: {max: 1024}, system_prompt: true, stop: false}
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        let plain = try #require(configuration.assistant(id: "default"))
        #expect(plain.aliases.isEmpty)
        #expect(plain.clientParameters == .default)
        #expect(plain.clientParameters.stop && plain.clientParameters.temperature == nil && !plain.clientParameters.systemPrompt)
        let technical = try #require(configuration.assistant(id: "technical"))
        #expect(technical.aliases == ["claude", "anthropic"])
        #expect(technical.clientParameters == ClientParameterRules(temperature: 0...1, topP: 0...1, maxTokens: 1024, systemPrompt: true, stop: false))
    }

    @Test("a repeated alias, an alias that is an id, and bad bounds are located errors")
    func wrongValues() {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1, aliases: [gpt-4o]}
              other: {provider: echo, model: echo-1, aliases: [gpt-4o, default]}
              bounded: {provider: echo, model: echo-1, client_parameters: {temperature: {min: 1.5, max: 1}, max_tokens: {max: 0}, seed: true, stop: maybe}}
            """
        let found = errorDescriptions(text)
        #expect(found.count == 6, "\(found)")
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:52: ") && $0.contains("alias 'gpt-4o' is already an alias of assistant 'default'") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:60: ") && $0.contains("alias 'default' is the id of an assistant") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:6:77: ") && $0.contains("temperature.min must not be above max") })
        #expect(found.contains { $0.contains("client_parameters.max_tokens.max must be an integer of at least 1") })
        #expect(found.contains { $0.contains("unknown key 'seed'") })
        #expect(found.contains { $0.contains("client_parameters.stop must be true or false") })
    }
}
