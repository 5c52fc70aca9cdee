import Foundation
import PatchbayTestSupport
import Testing

/// The real `patchbay` on a real PostgreSQL: `patchbay migrate` copies a SQLite history over, and
/// `patchbay serve` with `storage.postgres_url` carries on with it.
@Suite("PostgreSQL storage, as ops run it", .timeLimit(.minutes(2)))
struct PostgresProcessTests {
    @Test("a SQLite history copied by patchbay migrate continues under patchbay serve on PostgreSQL")
    func migrateThenServe() async throws {
        let deployment = try EchoDeployment(config: """
            plugins: {directory: ./plugins}
            storage: {sqlite_path: ./chats.sqlite}
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1}
            """)
        // Two stored conversations in SQLite, from a real server.
        let sqliteServer = try await ServerProcess(config: deployment.config)
        var ids: [String] = []
        for word in ["alpha", "beta"] {
            let reply = try await LiveHTTP.send(port: sqliteServer.port, "POST", "/api/chat", json: #"{"message":"\#(word)","stream":false}"#)
            #expect(reply.status == 200, "\(reply.body)")
            ids.append(try #require(try reply.json()["conversationId"] as? String))
        }
        sqliteServer.kill(SIGTERM)

        let postgres = try await PostgresTestServer.shared()
        let url = postgres.url(database: try await postgres.createDatabase())
        let sqlitePath = "\(deployment.directory.path)/chats.sqlite"
        let copy = try await ChildProcess.run("\(TestPaths.buildDirectory)/patchbay", ["migrate", "--from", "sqlite:\(sqlitePath)", "--to", "postgres:\(url)"])
        #expect(copy.status == 0, "\(copy.output)")
        #expect(copy.output.contains("copied 2 conversations and 4 messages from \(sqlitePath)"), "\(copy.output)")
        #expect(copy.output.contains("counts match, 2 conversations compared"))

        let again = try await ChildProcess.run("\(TestPaths.buildDirectory)/patchbay", ["migrate", "--from", "sqlite:\(sqlitePath)", "--to", url])
        #expect(again.status == 1)
        #expect(again.output.contains("already holds 2 conversations"), "\(again.output)")

        try deployment.rewrite("""
            plugins: {directory: ./plugins}
            storage: {postgres_url: "${DATABASE_URL}"}
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1}
            """)
        let migrate = try await ChildProcess.run("\(TestPaths.buildDirectory)/patchbay", ["migrate", "--config", deployment.config],
                                                 environment: ["DATABASE_URL": url])
        #expect(migrate.status == 0 && migrate.output.contains("up to date"), "\(migrate.output)")

        let server = try await ServerProcess(config: deployment.config, environment: ["DATABASE_URL": url])
        let next = try await LiveHTTP.send(port: server.port, "POST", "/api/chat", json: #"{"message":"gamma","conversationId":"\#(ids[0])","stream":false}"#)
        #expect(next.status == 200, "\(next.body)")
        let history = try await LiveHTTP.send(port: server.port, "GET", "/api/conversations/\(ids[0])").json()
        let contents = (history["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String }
        #expect(contents == ["alpha", "alpha", "gamma", "gamma"])
        let stats = try await LiveHTTP.health(port: server.port)["stats"] as? [String: Any]
        #expect(stats?["totalConversations"] as? Int == 2 && stats?["totalMessages"] as? Int == 6)
        server.kill(SIGTERM)
        let log = await server.finalOutput()
        #expect(server.child.exitStatus == 0, "\(log.suffix(2000))")
        #expect(log.contains("conversations stored in PostgreSQL at postgres://patchbay@127.0.0.1:\(postgres.port)/"))
        #expect(log.contains("conversation store closed"))
    }
}
