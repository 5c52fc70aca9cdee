import Foundation
import Hummingbird
import HummingbirdTesting
import PatchbayConfig
import PatchbayStorage
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("Conversations in PostgreSQL, through the real host")
struct PostgresOutageTests {
    @Test("PostgreSQL going away: a stored turn gets a clear error, stateless turns still work, and it comes back with the database")
    func outage() async throws {
        // A server of its own: this test stops it.
        let server = try await PostgresTestServer()
        let recorder = LogRecorder()
        let endpoint = PostgresConversationStore.Endpoint(
            host: "127.0.0.1", port: server.port, username: "patchbay", password: "pw-never-logged",
            database: try await server.createDatabase(), tls: .disable
        )
        try await PostgresConversationStore.migrate(endpoint: endpoint, logger: recorder.logger())
        let store = PostgresConversationStore(endpoint: endpoint, operationTimeout: .seconds(2), logger: recorder.logger())
        let host = try TestHost(yaml: StoredHost.yaml, store: store, logger: recorder.logger())
        try await store.withPoolRunning {
            try await host.test { client in
                let first = try await client.chat(#"{"message":"one","assistantType":"default","stream":false}"#)
                #expect(first.status == .ok)
                let id = try #require(first.headers[.xConversationID])

                await server.stop()
                let refused = try await client.chat(#"{"message":"two","conversationId":"\#(id)","stream":false}"#)
                #expect(refused.status == .internalServerError)
                let body = String(buffer: refused.body)
                #expect(body.contains("INTERNAL_ERROR") && body.contains("saving the conversation"), "\(body)")
                #expect(!body.contains("PostgreSQL"), "the cause is logged, not shown")
                let logged = recorder.lines.filter { $0.message.contains("conversation storage failed") }
                #expect(logged.contains { $0.message.contains("PostgreSQL") }, "the log says what failed")
                #expect(!recorder.lines.contains { $0.rendered.contains("pw-never-logged") })

                let stateless = try await client.chat(#"{"messages":[{"role":"user","content":"still here"}],"stream":false}"#)
                #expect(stateless.status == .ok)

                try await server.start()
                try await LiveHTTP.eventually {
                    try await client.chat(#"{"message":"three","conversationId":"\#(id)","stream":false}"#).status == .ok
                }
                let (status, stored) = try await client.json("/api/conversations/\(id)")
                #expect(status == .ok)
                let contents = (stored["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String }
                #expect(contents.prefix(2) == ["one", "one"] && contents.suffix(2) == ["three", "three"], "\(contents)")
                #expect(!contents.contains("two"), "the refused turn stored nothing")
            }
        }
        await server.stop()
    }

    @Test("storage needs a restart: moving to PostgreSQL, or a new password, is a restart-only change")
    func storageChangesNeedARestart() throws {
        func startup(_ storage: String, url: String = "postgres://chat:one@db/patchbay") throws -> StartupSettings {
            let yaml = "storage: \(storage)\nproviders:\n  echo: {plugin: echo}\nassistants:\n  default: {provider: echo, model: echo-1}\n"
            return StartupSettings(try ConfigurationReader.parse(yaml, source: "providers.yaml", environment: ["DATABASE_URL": url]))
        }
        let sqlite = try startup("{sqlite_path: ./a.sqlite}")
        let postgres = try startup(#"{postgres_url: "${DATABASE_URL}"}"#)
        #expect(postgres.storagePath == "postgres postgres://chat@db:5432/patchbay")
        #expect(postgres.changes(comparedWith: sqlite) == ["storage"])
        #expect(try startup(#"{postgres_url: "${DATABASE_URL}"}"#, url: "postgres://chat:two@db/patchbay").changes(comparedWith: postgres) == ["storage"])
        #expect(try startup(#"{postgres_url: "${DATABASE_URL}"}"#).changes(comparedWith: postgres) == [])
    }
}
