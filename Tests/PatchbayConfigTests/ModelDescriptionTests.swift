import PatchbayConfig
import Testing

@Suite("The models: section")
struct ModelDescriptionTests {
    @Test("models are read in file order; every field is optional")
    func read() throws {
        let text = """
            models:
              gpt-4o-mini:
                name: GPT-4o mini
                description: Fast and cheap
                context_length: 128000
                capabilities: [chat, code]
                cost_per_token: {input: 0.00000015, output: 0.0000006}
              echo-1: {}
              bare: ~
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        #expect(configuration.models.map(\.id) == ["gpt-4o-mini", "echo-1", "bare"])
        let model = try #require(configuration.model(named: "gpt-4o-mini"))
        #expect(model == ModelDescription(id: "gpt-4o-mini", name: "GPT-4o mini", description: "Fast and cheap", contextLength: 128_000,
                                          capabilities: ["chat", "code"], costPerToken: (0.00000015, 0.0000006)))
        #expect(configuration.model(named: "echo-1") == ModelDescription(id: "echo-1"))
        #expect(configuration.model(named: "bare") == ModelDescription(id: "bare"))
    }

    @Test("a misspelt key, a bad number, a wrong shape and a repeated model are located errors")
    func wrongValues() {
        let text = """
            models:
              a: {context_lenght: 10}
              b: {context_length: 0, cost_per_token: {input: -1}}
              c: [chat]
              a: {}
            """
        let found = errorDescriptions(text)
        #expect(found.count == 5, "\(found)")
        #expect(found.contains { $0.hasPrefix("providers.yaml:2:7: ") && $0.contains("unknown key 'context_lenght'") && $0.contains("context_length") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:3:23: ") && $0.contains("context_length") })
        #expect(found.contains { $0.contains("cost_per_token.input") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:4:6: ") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:3: ") && $0.contains("'a'") })
    }
}
