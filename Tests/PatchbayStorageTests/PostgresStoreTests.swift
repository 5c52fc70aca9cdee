import Foundation
import Logging
import PatchbayTestSupport
import Testing

@testable import PatchbayStorage

@Suite("The PostgreSQL store")
struct PostgresStoreTests {
    @Test("migrations run once, in one transaction, even when two instances start together")
    func migrationsRunOnce() async throws {
        let database = try await PostgresTestServer.shared().createDatabase()
        let first = try await makePostgresStore(database: database)
        let second = try await makePostgresStore(database: database)
        try await first.withPoolRunning {
            try await second.withPoolRunning {
                async let ranByFirst = first.migrate()
                async let ranBySecond = second.migrate()
                let ran = try await [ranByFirst, ranBySecond]
                #expect(ran.sorted { $0.count < $1.count } == [[], PostgresSchema.migrationNames], "one of them migrated, the other found it done")
                #expect(try await first.migrate() == [])
                #expect(try await first.appliedMigrations() == PostgresSchema.migrationNames)
            }
        }
    }

    @Test("a database that is not there fails each call with a precise error within the timeout")
    func unreachable() async throws {
        var logger = Logger(label: "patchbay.storage.tests")
        logger.logLevel = .critical
        // A port of the test server's that is closed: the server itself stopped.
        let server = try await PostgresTestServer()
        await server.stop()
        let endpoint = PostgresConversationStore.Endpoint(host: "127.0.0.1", port: server.port, username: "patchbay", password: "s3cret-pw",
                                                          database: "postgres", tls: .disable)
        let store = PostgresConversationStore(endpoint: endpoint, operationTimeout: .seconds(1), logger: logger)
        try await store.withPoolRunning {
            let error = await #expect(throws: StorageError.self) { try await store.conversation(id: "c") }
            #expect(error?.code == .database)
            let text = "\(error.map { "\($0)" } ?? "")"
            #expect(text.contains("could not read conversation 'c'"), "\(text)")
            #expect(text.contains("PostgreSQL"), "\(text)")
            #expect(!text.contains("s3cret-pw"), "the password never shows")
            #expect(endpoint.redacted == "postgres://patchbay@127.0.0.1:\(server.port)/postgres")
        }
    }
}
