import PatchbayConfig
import Testing

@Suite("Conversation storage settings")
struct ConversationSettingsTests {
    @Test("defaults: ./data/patchbay.sqlite, 50 messages, 3600 seconds")
    func defaults() throws {
        let configuration = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: [:])
        #expect(configuration.storage.sqlitePath == "./data/patchbay.sqlite")
        #expect(configuration.storage.sqlitePathLocation == nil)
        let assistant = try #require(configuration.assistant(id: "demo"))
        #expect(assistant.maxConversationLength == 50)
        #expect(assistant.conversationTimeout == 3600)
    }

    @Test("storage.sqlite_path and the per-assistant conversation keys are read, with locations")
    func explicitValues() throws {
        let text = """
            storage: {sqlite_path: /var/lib/patchbay/chats.sqlite}
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1, max_conversation_length: 8, conversation_timeout: 120}
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        #expect(configuration.storage.sqlitePath == "/var/lib/patchbay/chats.sqlite")
        #expect(configuration.storage.sqlitePathLocation == SourceLocation(file: "providers.yaml", line: 1, column: 24))
        let assistant = try #require(configuration.assistant(id: "default"))
        #expect(assistant.maxConversationLength == 8)
        #expect(assistant.conversationTimeout == 120)
    }

    @Test("wrong values are located errors")
    func wrongValues() {
        let text = """
            storage: {sqlite_path: [a], journal: wal}
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1, max_conversation_length: 0, conversation_timeout: soon}
            """
        let found = errorDescriptions(text)
        #expect(found.count == 4)
        #expect(found.contains { $0.hasPrefix("providers.yaml:1:24: ") && $0.contains("sqlite_path") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:1:29: unknown key 'journal' in section 'storage'; known keys: sqlite_path") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:69: ") && $0.contains("max_conversation_length must be an integer from 1 to 10000") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:94: ") && $0.contains("conversation_timeout must be a number of seconds from 1 to 31536000") })
    }
}
