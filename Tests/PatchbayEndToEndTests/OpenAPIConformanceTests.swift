import Foundation
import PatchbayTestSupport
import Testing

/// schemathesis, installed by `make pydeps` into `.build/pyenv` (or named by `SCHEMATHESIS`).
enum Schemathesis {
    static var executable: String {
        ProcessInfo.processInfo.environment["SCHEMATHESIS"] ?? "\(TestPaths.repositoryRoot)/.build/pyenv/bin/schemathesis"
    }

    /// The hooks that teach it the rules of POST /api/chat the document states in prose only.
    static var hooks: String { "\(TestPaths.repositoryRoot)/Tests/schemathesis_hooks.py" }

    /// Runs `schemathesis` with `arguments` in `directory` (where it keeps its files), with the
    /// hooks, and returns its exit status and everything it printed.
    static func run(_ arguments: [String], in directory: TemporaryDirectory) async throws -> (status: Int32, output: String) {
        // A bound, not a budget: with ~45 operations the run takes about 5 minutes on 2 cores.
        try await ChildProcess.run(executable, arguments, environment: ["SCHEMATHESIS_HOOKS": hooks], directory: directory.path, deadline: 900)
    }
}

@Suite("The live server against its OpenAPI document", .timeLimit(.minutes(6)))
struct OpenAPIConformanceTests {
    /// Every check: no 5xx; every status, content type, header and body as documented; data the
    /// document calls invalid refused and data it calls valid accepted; required headers required;
    /// an undocumented method 405 with `Allow`. The rules of POST /api/chat that JSON Schema cannot
    /// state are taught to schemathesis by Tests/schemathesis_hooks.py.
    static let checks = ["all"]

    /// Examples per operation and phase. 400 runs clean too, but takes about 3.5 minutes here (and
    /// 4 with authentication on): too long for CI's budget, so the suite runs fewer.
    @Test("schemathesis finds no server error and no response that breaks the document")
    func schemathesisFindsNothing() async throws {
        try await check(settings: """
            server:
              cors_origins: [https://widget.example]
            limits: {requests_per_minute: 1000000, tokens_per_day: 100000000}
            """, examples: 100)
    }

    @Test("with authentication on and no key, every refusal is as documented too")
    func schemathesisWithoutAKey() async throws {
        try await check(settings: """
            server:
              cors_origins: ["*"]
            auth:
              enabled: true
              keys: [{id: unused, sha256: 0000000000000000000000000000000000000000000000000000000000000000}]
            """, examples: 10)
    }

    /// Serves the echo plugin with `settings` added to providers.yaml and runs schemathesis
    /// against it with a fixed seed, `examples` cases per operation and phase.
    private func check(settings: String, examples: Int) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Schemathesis.executable),
                     "schemathesis is not installed at \(Schemathesis.executable): run `make pydeps` (`make test` does)")
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write(settings + """

            plugins: {directory: .}
            storage: {sqlite_path: ./db/chats.sqlite}
            providers:
              echo: {plugin: echo}
            assistants:
              default: {name: Default, description: Echoes, provider: echo, model: echo-1}
              roomy: {provider: echo, model: echo-1, limits: {requests_per_day: 1000000}}
            """, as: "providers.yaml")
        let server = try await ServerProcess(config: config)
        defer { server.kill(SIGTERM) }

        let routes = try ParsedOpenAPIDocument.routerRoutes()
        let notYetRouted = OpenAPIRouteExceptions.pending.subtracting(routes).map { $0.split(separator: " ")[1] }
        var arguments = [
            "--config-file", "\(TestPaths.repositoryRoot)/Tests/schemathesis.toml", "run", "http://127.0.0.1:\(server.port)/openapi.json",
            "--checks", Self.checks.joined(separator: ","),
            "--max-examples", String(examples), "--seed", "7", "--generation-database", "none",
            // One worker: Python 3.11's ast.parse is not thread-safe, and hypothesis calls it.
            "--workers", "1", "--request-timeout", "10", "--no-color",
        ]
        for path in notYetRouted { arguments += ["--exclude-path", String(path)] }
        let (status, output) = try await Schemathesis.run(arguments, in: directory)
        print(output)
        #expect(status == 0, "schemathesis failed (exit \(status)); its report is above")
        #expect(output.contains("passed"), "schemathesis printed no summary")
    }
}
