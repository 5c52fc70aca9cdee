#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import PatchbayConfig
import Testing

@Suite("The shipped example configuration")
struct ExampleConfigurationTests {
    static let secrets = ["OPENAI_API_KEY": "sk-openai-test", "ANTHROPIC_API_KEY": "sk-ant-test"]

    @Test("server, plugins and providers read with their locations")
    func sections() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: Self.secrets)
        #expect(configuration.source == "providers.yaml")
        #expect(configuration.server.host == "127.0.0.1")
        #expect(configuration.server.port == 8080)
        #expect(configuration.plugins.directory == "./provider-plugins")
        #expect(configuration.plugins.directoryLocation?.description == "providers.yaml:2:22")
        #expect(configuration.providers.map(\.name) == ["openai", "anthropic", "echo"])
        #expect(configuration.providers.map(\.plugin) == ["openai", "anthropic", "echo"])

        let openAI = try #require(configuration.provider(named: "openai"))
        #expect(openAI.location.description == "providers.yaml:4:3")
        #expect(openAI.pluginLocation.description == "providers.yaml:4:23")
        #expect(configuration.provider(named: "missing") == nil)
    }

    @Test("assistants read in file order with defaults for what is left out")
    func assistants() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: Self.secrets)
        #expect(configuration.assistants.map(\.id) == ["default", "technical", "demo"])

        let assistant = try #require(configuration.assistant(id: "default"))
        #expect(assistant.name == "Default Support Assistant")
        #expect(assistant.description == "General customer support assistant")
        #expect(assistant.provider == "openai")
        #expect(assistant.model == "gpt-4o-mini")
        #expect(assistant.temperature == 0.7)
        #expect(assistant.maxTokens == 2048)
        #expect(assistant.topP == 0.9)
        #expect(assistant.systemPrompt == "You are a helpful assistant.")
        #expect(assistant.location.description == "providers.yaml:8:3")

        let technical = try #require(configuration.assistant(id: "technical"))
        #expect(technical.name == "technical")
        #expect(technical.description == "")
        #expect(technical.provider == "anthropic")
        #expect(technical.model == "claude-sonnet-4-5")
        #expect(technical.temperature == nil)
        #expect(technical.maxTokens == nil)
        #expect(technical.topP == nil)
        #expect(technical.systemPrompt == nil)
        #expect(configuration.assistant(id: "demo")?.model == "echo-1")
        #expect(configuration.assistant(id: "nobody") == nil)
    }

    @Test("with the API keys set, every provider is configured and its settings JSON holds the key")
    func configuredProviders() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: Self.secrets)
        #expect(configuration.providers.allSatisfy { $0.isConfigured })

        let openAI = try #require(configuration.provider(named: "openai"))
        #expect(openAI.settingsJSON == #"{"provider_name":"openai","base_url":"https://api.openai.com/v1","api_key":"sk-openai-test"}"#)
        let settings = try #require(try JSONSerialization.jsonObject(with: Data(openAI.settingsJSON.utf8)) as? [String: Any])
        #expect(Set(settings.keys) == ["provider_name", "base_url", "api_key"])
        #expect(settings["provider_name"] as? String == "openai")
        #expect(settings["base_url"] as? String == "https://api.openai.com/v1")
        #expect(settings["api_key"] as? String == "sk-openai-test")
        #expect(configuration.provider(named: "echo")?.settingsJSON == #"{"provider_name":"echo"}"#)
    }

    @Test("without the API keys, the keyed providers are listed as not configured, which is not an error")
    func unconfiguredProviders() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: [:])
        let openAI = try #require(configuration.provider(named: "openai"))
        #expect(openAI.missingVariables == ["OPENAI_API_KEY"])
        #expect(!openAI.isConfigured)
        #expect(configuration.provider(named: "anthropic")?.missingVariables == ["ANTHROPIC_API_KEY"])
        #expect(configuration.provider(named: "echo")?.isConfigured == true)
        let settings = try #require(try JSONSerialization.jsonObject(with: Data(openAI.settingsJSON.utf8)) as? [String: Any])
        #expect(settings["api_key"] as? String == "")

        // An empty variable counts as unset.
        let empty = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: ["OPENAI_API_KEY": ""])
        #expect(empty.provider(named: "openai")?.isConfigured == false)
    }

    @Test("read(path:) reads a file and names it in locations")
    func readsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-\(UUID().uuidString).yaml").path
        try Data(exampleConfiguration.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let configuration = try ConfigurationReader.read(path: path, environment: Self.secrets)
        #expect(configuration.source == path)
        #expect(configuration.assistants.count == 3)
        #expect(configuration.provider(named: "echo")?.location.description == "\(path):6:3")
    }
}

@Suite("Environment")
struct EnvironmentTests {
    @Test("PORT overrides the file's port")
    func portOverride() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: ["PORT": "9090"])
        #expect(configuration.server.port == 9090)
        #expect(configuration.server.host == "127.0.0.1")
    }

    @Test("an empty PORT is ignored")
    func emptyPort() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: ["PORT": ""])
        #expect(configuration.server.port == 8080)
    }

    @Test("a non-numeric or out-of-range PORT is an error without a location, listed after the file's errors")
    func badPort() {
        #expect(errorDescriptions(exampleConfiguration, environment: ["PORT": "http"]) == [
            #"the PORT environment variable must be an integer from 1 to 65535, found "http""#
        ])
        #expect(errorDescriptions("server: {port: 0}\n", environment: ["PORT": "70000"]) == [
            "providers.yaml:1:16: server: port must be an integer from 1 to 65535, found number 0",
            #"the PORT environment variable must be an integer from 1 to 65535, found "70000""#,
        ])
    }

    @Test("${NAME:-fallback} uses the fallback when NAME is unset or empty, and NAME otherwise")
    func fallback() throws {
        let text = """
            providers:
              local:
                plugin: openai
                base_url: ${LOCAL_URL:-http://localhost:11434/v1}
                api_key: "${LOCAL_KEY:-}"
                note: "key $${NOT_A_VARIABLE} and $5"
            """
        for environment in [[:], ["LOCAL_URL": ""]] {
            let provider = try #require(try ConfigurationReader.parse(text, source: "providers.yaml", environment: environment).provider(named: "local"))
            #expect(provider.isConfigured)
            #expect(provider.settingsJSON == #"{"provider_name":"local","base_url":"http://localhost:11434/v1","api_key":"","note":"key ${NOT_A_VARIABLE} and $5"}"#)
        }
        let provider = try ConfigurationReader.parse(text, source: "providers.yaml", environment: ["LOCAL_URL": "http://gpu:8000/v1"]).provider(named: "local")
        #expect(provider?.settingsJSON.contains(#""base_url":"http://gpu:8000/v1""#) == true)
    }

    @Test("several references in one value, each missing variable listed once in order of use")
    func missingVariablesInOrder() throws {
        let text = """
            providers:
              proxy:
                plugin: openai
                base_url: "https://${HOST}:${PORT_NUMBER}/${HOST}"
                headers: {Authorization: "Bearer ${TOKEN}"}
            """
        let provider = try #require(try ConfigurationReader.parse(text, source: "providers.yaml", environment: ["PORT_NUMBER": "443"]).provider(named: "proxy"))
        #expect(provider.missingVariables == ["HOST", "TOKEN"])
        #expect(provider.settingsJSON == #"{"provider_name":"proxy","base_url":"https://:443/","headers":{"Authorization":"Bearer "}}"#)
    }
}
