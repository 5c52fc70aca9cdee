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
        #expect(found.contains { $0.hasPrefix("providers.yaml:1:29: unknown key 'journal' in section 'storage'; known keys: sqlite_path, postgres_url") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:69: ") && $0.contains("max_conversation_length must be an integer from 1 to 10000") })
        #expect(found.contains { $0.hasPrefix("providers.yaml:5:94: ") && $0.contains("conversation_timeout must be a number of seconds from 1 to 31536000") })
    }

    @Test("storage.postgres_url: ${VARIABLE}s resolved, the URL taken apart, the password kept out of its description")
    func postgresURL() throws {
        let text = """
            storage: {postgres_url: "${DATABASE_URL}"}
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1}
            """
        let environment = ["DATABASE_URL": "postgresql://chat:s%40cret@db.internal:6543/patchbay?sslmode=require"]
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: environment)
        let url = try #require(configuration.storage.postgresURL)
        #expect(url == PostgresURL(host: "db.internal", port: 6543, username: "chat", password: "s@cret", database: "patchbay", sslMode: "require"))
        #expect(configuration.storage.summary == "postgres postgres://chat@db.internal:6543/patchbay")
        #expect(!"\(url)".contains("cret"))
        let plain = try PostgresURL(parsing: "postgres://chat@localhost/db")
        #expect(plain.port == 5432 && plain.password == nil && plain.sslMode == "prefer")
    }

    @Test("postgres_url mistakes are located errors that never repeat the URL")
    func postgresURLErrors() {
        let yaml = { (storage: String) in
            "storage: \(storage)\nproviders:\n  echo: {plugin: echo}\nassistants:\n  default: {provider: echo, model: echo-1}\n"
        }
        #expect(errorDescriptions(yaml(#"{postgres_url: "${DATABASE_URL}"}"#)) == [
            "providers.yaml:1:25: storage: postgres_url needs the environment variable DATABASE_URL, which is unset or empty",
        ])
        #expect(errorDescriptions(yaml(#"{postgres_url: "mysql://u:hunter2@h/db"}"#)) == [
            "providers.yaml:1:25: storage: postgres_url is not a PostgreSQL URL: the scheme must be postgres:// or postgresql://, found mysql://",
        ])
        let noDatabase = errorDescriptions(yaml(#"{postgres_url: "postgres://u:hunter2@h"}"#))
        #expect(noDatabase.count == 1 && noDatabase[0].contains("must name one database") && !noDatabase[0].contains("hunter2"))
        #expect(errorDescriptions(yaml(#"{postgres_url: "postgres://u@h/db?sslmode=maybe"}"#)).first?.contains("sslmode must be one of disable, prefer, require") == true)
        #expect(errorDescriptions(yaml(#"{postgres_url: "${BAD-NAME}"}"#)).first?.hasPrefix("providers.yaml:1:25: storage: postgres_url: invalid environment variable reference") == true)
        #expect(errorDescriptions(yaml(#"{sqlite_path: a.sqlite, postgres_url: "postgres://u@h/db"}"#)) == [
            "providers.yaml:1:34: storage: use either 'sqlite_path' or 'postgres_url', not both",
        ])
    }
}
