#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import PatchbayConfig
import Testing

@Suite("Configuration errors")
struct ConfigurationErrorTests {
    @Test("a YAML syntax error is libyaml's problem at its mark")
    func syntaxError() {
        let text = """
            server:
              host: 127.0.0.1
              port: a: b
            """
        #expect(errorDescriptions(text) == ["providers.yaml:3:10: mapping values are not allowed in this context"])
        #expect(errors(text).first?.kind == .syntax)
    }

    @Test("a syntax error with a context names where that context began")
    func syntaxErrorWithContext() {
        let text = """
            assistants:
              default:
                model: gpt
               provider: openai
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:4:4: did not find expected key (while parsing a block mapping at line 2, column 3)"
        ])
    }

    @Test("a control character is reported at its line and column")
    func readerError() {
        #expect(errorDescriptions("server:\n  host: a\u{1}b\n") == [
            "providers.yaml:2:10: control characters are not allowed (byte 0x01)"
        ])
    }

    @Test("invalid UTF-8 in a file is reported, not silently replaced")
    func invalidUTF8() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-\(UUID().uuidString).yaml").path
        try Data([UInt8]("server:\n  host: ab".utf8) + [0xFF] + [UInt8]("\n".utf8)).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigurationErrors.self) { try ConfigurationReader.read(path: path, environment: [:]) }
        do {
            _ = try ConfigurationReader.read(path: path, environment: [:])
        } catch {
            #expect(error.errors.map(\.description) == ["\(path):2:11: invalid leading UTF-8 octet (byte 0xFF)"])
        }
    }

    @Test("a file that cannot be read names the path and the system's reason")
    func missingFile() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-missing-\(UUID().uuidString).yaml").path
        do {
            _ = try ConfigurationReader.read(path: path, environment: [:])
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error.errors.map(\.description) == ["cannot read configuration file '\(path)': No such file or directory"])
            #expect(error.errors.first?.kind == .unreadableFile)
            #expect(error.errors.first?.location == nil)
        }
    }

    @Test("a directory cannot be read as a configuration file")
    func directory() {
        let path = FileManager.default.temporaryDirectory.path
        #expect(throws: ConfigurationErrors.self) { try ConfigurationReader.read(path: path, environment: [:]) }
        do {
            _ = try ConfigurationReader.read(path: path, environment: [:])
        } catch {
            #expect(error.description == "cannot read configuration file '\(path)': Is a directory")
        }
    }

    @Test("an empty file, or one with only comments or a bare '---', says so", arguments: ["", "# nothing yet\n", "---\n"])
    func emptyFile(text: String) {
        #expect(errorDescriptions(text) == [
            "providers.yaml:1:1: the file is empty; expected a top-level mapping with keys server, plugins, storage, providers, assistants, auth, limits, logging, models"
        ])
        #expect(errors(text).first?.kind == .empty)
    }

    @Test("a top level that is not a mapping says what it found")
    func topLevelList() {
        #expect(errorDescriptions("- openai\n- echo\n") == [
            "providers.yaml:1:1: expected a top-level mapping with keys server, plugins, storage, providers, assistants, auth, limits, logging, models, found list"
        ])
    }

    @Test("a second document is refused")
    func secondDocument() {
        #expect(errorDescriptions("server: {port: 80}\n---\nserver: {port: 81}\n") == [
            "providers.yaml:2:1: a second YAML document begins here; the configuration must be a single document"
        ])
    }

    @Test("an unknown assistant key suggests the closest known key and lists them all")
    func unknownAssistantKey() {
        let text = fileWithAssistant("""
                provider: echo
                model: echo-1
                temprature: 0.7
            """)
        #expect(errorDescriptions(text) == [
            "providers.yaml:7:5: unknown key 'temprature' in assistant 'default' (did you mean 'temperature'?); known keys: name, description, provider, model, targets, temperature, max_tokens, top_p, system_prompt, max_conversation_length, conversation_timeout, limits, aliases, client_parameters, cache"
        ])
        #expect(errors(text).first?.kind == .unknownKey)
    }

    @Test("unknown keys are reported at every level, with a suggestion only when one is close")
    func unknownKeysAtEveryLevel() {
        let text = """
            server: {host: 0.0.0.0, prot: 80}
            plugins: {dir: ./plugins}
            asistants: {}
            metrics: {enabled: true}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:1:25: unknown key 'prot' in section 'server' (did you mean 'port'?); known keys: host, port, cors_origins, max_body_bytes, trusted_proxies, max_message_chars, max_messages, header_timeout_ms, body_timeout_ms, max_streams_per_caller, strict_transport_security, shutdown_grace_ms, websocket_max_message_bytes, websocket_max_chats_per_socket, stream_buffer_bytes, admin, tls",
            "providers.yaml:2:11: unknown key 'dir' in section 'plugins'; known keys: directory",
            "providers.yaml:3:1: unknown key 'asistants' at the top level (did you mean 'assistants'?); known keys: server, plugins, storage, providers, assistants, auth, limits, logging, models",
            "providers.yaml:4:1: unknown key 'metrics' at the top level; known keys: server, plugins, storage, providers, assistants, auth, limits, logging, models",
        ])
    }

    @Test("provider blocks accept any key: the plugin validates its own settings")
    func providerKeysAreFree() throws {
        let text = """
            providers:
              custom: {plugin: openai, organization: acme, timeout_seconds: 30, retry: {attempts: 3, backoff: 0.5}, models: [a, b], beta: true, proxy: null}
            """
        let provider = try #require(try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:]).provider(named: "custom"))
        let settings = try #require(try JSONSerialization.jsonObject(with: Data(provider.settingsJSON.utf8)) as? [String: Any])
        #expect(settings["provider_name"] as? String == "custom")
        #expect(settings["plugin"] == nil)
        #expect(settings["organization"] as? String == "acme")
        #expect((settings["timeout_seconds"] as? NSNumber)?.intValue == 30)
        #expect((settings["retry"] as? [String: Any])?["backoff"] as? Double == 0.5)
        #expect(settings["models"] as? [String] == ["a", "b"])
        #expect(settings["beta"] as? Bool == true)
        #expect(settings["proxy"] is NSNull)
    }

    @Test("a wrong type says what was expected and what was found")
    func wrongType() {
        let text = fileWithAssistant("""
                provider: echo
                model: echo-1
                temperature: hot
            """)
        #expect(errorDescriptions(text) == [
            #"providers.yaml:7:18: assistant 'default': temperature must be a number from 0 to 2, found string "hot""#
        ])
        #expect(errors(text).first?.kind == .invalidValue)
    }

    @Test("each kind of wrong value names what it found")
    func wrongValues() {
        let text = """
            server: {host: [a, b], port: 70000}
            plugins: {directory: false}
            providers:
              echo: {plugin: echo}
              broken: echo
            assistants:
              default:
                provider: echo
                model: ""
                name: {first: A}
                temperature: 2.5
                max_tokens: 0
                top_p: '0.5'
                system_prompt: 42
              tokens: {provider: echo, model: m, max_tokens: 1.5, top_p: ~}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:1:16: server: host must be a non-empty string, found list",
            "providers.yaml:1:30: server: port must be an integer from 1 to 65535, found number 70000",
            "providers.yaml:2:22: plugins: directory must be a non-empty string, found bool false",
            #"providers.yaml:5:11: provider 'broken' must be a mapping with at least a 'plugin' key, found string "echo""#,
            #"providers.yaml:9:12: assistant 'default': model must be a non-empty string, found string """#,
            "providers.yaml:10:11: assistant 'default': name must be a non-empty string, found mapping",
            "providers.yaml:11:18: assistant 'default': temperature must be a number from 0 to 2, found number 2.5",
            "providers.yaml:12:17: assistant 'default': max_tokens must be an integer of at least 1, found number 0",
            #"providers.yaml:13:12: assistant 'default': top_p must be a number from 0 to 1, found string "0.5""#,
            "providers.yaml:14:20: assistant 'default': system_prompt must be a string, found number 42",
            "providers.yaml:15:50: assistant 'tokens': max_tokens must be an integer of at least 1, found number 1.5",
        ])
    }

    @Test("a section of the wrong shape is one error, and assistants are not blamed for a broken providers section")
    func wrongSectionShape() {
        let text = """
            providers: [openai, echo]
            assistants:
              demo: {provider: echo, model: echo-1}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:1:12: 'providers' must be a mapping from provider names to their settings, found list"
        ])
    }

    @Test("an optional key set to null means 'not set', and a null section means an empty one")
    func nullMeansUnset() throws {
        let text = """
            server:
            plugins: {directory: ~}
            providers:
              echo: {plugin: echo}
            assistants:
              demo: {provider: echo, model: echo-1, temperature: null, name: }
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        #expect(configuration.server.port == 8080)
        #expect(configuration.plugins.directory == "./provider-plugins")
        #expect(configuration.plugins.directoryLocation == nil)
        #expect(configuration.assistant(id: "demo")?.temperature == nil)
        #expect(configuration.assistant(id: "demo")?.name == "demo")
    }

    @Test("missing required keys are reported at the entry's key")
    func missingRequiredKeys() {
        let text = """
            providers:
              echo: {base_url: http://localhost}
            assistants:
              technical:
                name: Technical
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:2:3: provider 'echo' is missing required key 'plugin'",
            "providers.yaml:4:3: assistant 'technical' is missing required key 'provider'",
            "providers.yaml:4:3: assistant 'technical' is missing required key 'model'",
        ])
        #expect(errors(text).map(\.kind) == [.missingKey, .missingKey, .missingKey])
    }

    @Test("a duplicate key is reported at its second occurrence with the line of the first")
    func duplicateKeys() {
        let text = """
            providers:
              echo: {plugin: echo}
              echo: {plugin: echo}
            assistants:
              demo:
                provider: echo
                model: echo-1
                model: echo-2
            providers: {}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:3:3: duplicate key 'echo' in section 'providers' (first defined at line 2)",
            "providers.yaml:8:5: duplicate key 'model' in assistant 'demo' (first defined at line 7)",
            "providers.yaml:9:1: duplicate key 'providers' at the top level (first defined at line 1)",
        ])
        #expect(errors(text).map(\.kind) == [.duplicateKey, .duplicateKey, .duplicateKey])
    }

    @Test("duplicate keys inside provider settings are reported too")
    func duplicateProviderSettings() {
        let text = """
            providers:
              openai:
                plugin: openai
                headers:
                  X-Org: a
                  X-Org: b
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:6:7: duplicate key 'X-Org' in provider 'openai' under 'headers' (first defined at line 5)"
        ])
    }

    @Test("an assistant naming an unknown provider lists the known ones in file order")
    func unknownProvider() {
        let text = """
            providers:
              openai: {plugin: openai}
              anthropic: {plugin: anthropic}
              echo: {plugin: echo}
            assistants:
              technical:
                model: claude-sonnet-4-5
                provider: antropic
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:8:15: assistant 'technical' uses provider 'antropic'; known providers: openai, anthropic, echo"
        ])
        #expect(errors(text).first?.kind == .unknownProvider)
    }

    @Test("a provider that is declared but broken still counts as known")
    func brokenProviderIsKnown() {
        let text = """
            providers:
              echo: {}
            assistants:
              demo: {provider: echo, model: echo-1}
            """
        #expect(errorDescriptions(text) == ["providers.yaml:2:3: provider 'echo' is missing required key 'plugin'"])
    }

    @Test("malformed ${...} references are errors at the value", arguments: [
        (#"api_key: "${OPENAI_API_KEY""#, "'${' has no closing '}'"),
        (#"api_key: "${OPENAI API KEY}""#, "invalid environment variable reference '${OPENAI API KEY}'"),
        (#"api_key: "${1KEY}""#, "invalid environment variable reference '${1KEY}'"),
        (#"api_key: "${}""#, "invalid environment variable reference '${}'"),
        (#"api_key: "${KEY:default}""#, "invalid environment variable reference '${KEY:default}'"),
    ])
    func malformedReference(setting: String, problem: String) {
        let text = """
            providers:
              openai:
                plugin: openai
                \(setting)
            """
        let expected = "providers.yaml:4:14: provider 'openai': api_key: \(problem); expected ${NAME} or ${NAME:-default}, NAME being letters, digits and underscores, not starting with a digit"
        #expect(errorDescriptions(text) == [expected])
        #expect(errors(text).first?.kind == .invalidVariableReference)
    }

    @Test("a ${...} reference nested in a default value is refused")
    func nestedReference() {
        let text = """
            providers:
              openai:
                plugin: openai
                api_key: "${KEY:-${OTHER}}"
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:4:14: provider 'openai': api_key: the default value of '${KEY:-...}' cannot contain another '${'"
        ])
    }

    @Test("'provider_name' is reserved in provider settings")
    func reservedProviderName() {
        #expect(errorDescriptions("providers:\n  echo: {plugin: echo, provider_name: other}\n") == [
            "providers.yaml:2:24: provider 'echo': key 'provider_name' is reserved; it is set to the provider's name"
        ])
    }

    @Test("no error shows a value resolved from the environment or a default that may be a secret")
    func secretsStayOut() {
        let secret = "sk-live-SECRET-123"
        let text = """
            providers:
              openai:
                plugin: openai
                api_key: ${OPENAI_API_KEY}
                timeout: !!int ${OPENAI_API_KEY}
                organization: "${ORG:-\(secret)"
                provider_name: ${OPENAI_API_KEY}
                limits: {rate: .inf}
            assistants:
              demo: {provider: openai, model: "${OPENAI_API_KEY}", temprature: 1}
            """
        let found = errorDescriptions(text, environment: ["OPENAI_API_KEY": secret])
        #expect(found == [
            "providers.yaml:5:14: value tagged !!int is not an integer",
            "providers.yaml:6:19: provider 'openai': organization: '${' has no closing '}'; expected ${NAME} or ${NAME:-default}, NAME being letters, digits and underscores, not starting with a digit",
            "providers.yaml:7:5: provider 'openai': key 'provider_name' is reserved; it is set to the provider's name",
            "providers.yaml:8:20: provider 'openai': limits.rate must be a finite number (JSON has no infinity or NaN), found number .inf",
            "providers.yaml:10:56: unknown key 'temprature' in assistant 'demo' (did you mean 'temperature'?); known keys: name, description, provider, model, targets, temperature, max_tokens, top_p, system_prompt, max_conversation_length, conversation_timeout, limits, aliases, client_parameters, cache",
        ])
        #expect(!found.joined().contains(secret))
    }

    @Test("errors made by the host read like the reader's own")
    func hostMadeErrors() {
        let location = SourceLocation(file: "providers.yaml", line: 4, column: 23)
        let unknownPlugin = ConfigurationError(.unknownPlugin, location: location, message: "unknown plugin 'opnai'; known plugins: openai, echo")
        #expect(unknownPlugin.description == "providers.yaml:4:23: unknown plugin 'opnai'; known plugins: openai, echo")
        let placeless = ConfigurationError(location: nil, message: "no plugins found")
        #expect(placeless.kind == .invalidValue)
        #expect(placeless.description == "no plugins found")
        #expect(ConfigurationErrors(errors: [unknownPlugin, placeless]).description == "providers.yaml:4:23: unknown plugin 'opnai'; known plugins: openai, echo\nno plugins found")
    }

    @Test("every problem in a file is reported in one read, in file order")
    func collectsAllErrors() {
        let text = """
            assistants:
              default: {provider: echo, model: echo-1, temperature: 3}
            server:
              port: http
            providers:
              echo: {plugn: echo}
            """
        let found = errors(text)
        #expect(found.map(\.description) == [
            "providers.yaml:2:57: assistant 'default': temperature must be a number from 0 to 2, found number 3",
            #"providers.yaml:4:9: server: port must be an integer from 1 to 65535, found string "http""#,
            "providers.yaml:6:3: provider 'echo' is missing required key 'plugin'",
        ])
        #expect(found.map(\.kind) == [.invalidValue, .invalidValue, .missingKey])
        let all = ConfigurationErrors(errors: found)
        #expect(all.description == found.map(\.description).joined(separator: "\n"))
    }
}
