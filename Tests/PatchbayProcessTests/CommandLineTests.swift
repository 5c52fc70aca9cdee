import Foundation
import PatchbayTestSupport
import Testing

/// Runs the built `patchbay` executable, as ops do.
struct PatchbayCommandRun {
    var status: Int32
    var output: String

    static func run(_ arguments: [String]) async throws -> PatchbayCommandRun {
        let run = try await ChildProcess.run("\(TestPaths.buildDirectory)/patchbay", arguments)
        return PatchbayCommandRun(status: run.status, output: run.output)
    }
}

@Suite("The patchbay command line")
struct CommandLineTests {
    @Test("check passes a good file and names what is not configured")
    func checkPasses() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write("""
            plugins: {directory: .}
            providers:
              echo: {plugin: echo, delay_ms: 1}
              keyed: {plugin: echo, api_key: "${PATCHBAY_SURELY_UNSET_VARIABLE}"}
            assistants:
              demo: {provider: echo, model: echo-1}
            """, as: "providers.yaml")
        let run = try await PatchbayCommandRun.run(["check", "--config", config])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("note: provider 'keyed' is not configured: PATCHBAY_SURELY_UNSET_VARIABLE is not set"))
        #expect(run.output.contains("\(config): ok — 1 assistants, 2 providers, 1 plugins"))
    }

    @Test("check fails with file:line:col for a YAML mistake, an unknown plugin and refused settings")
    func checkFails() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write("""
            plugins: {directory: .}
            providers:
              echo: {plugin: echo, delay_ms: fast}
              openai: {plugin: opnai}
            assistants:
              demo: {provider: echo, model: echo-1}
            """, as: "providers.yaml")
        let run = try await PatchbayCommandRun.run(["check", "--config", config])
        #expect(run.status == 1)
        #expect(run.output.contains("\(config):4:20: provider 'openai' uses plugin 'opnai'; known plugins: echo"))
        #expect(run.output.contains("\(config):3:3: provider 'echo': refused the settings of provider 'echo': echo: delay_ms must be a whole number of milliseconds from 0 to 60000"))

        let typo = try directory.write("assistants:\n  demo: {provider: echo, model: echo-1, temprature: 1}\n", as: "typo.yaml")
        let typoRun = try await PatchbayCommandRun.run(["check", "--config", typo])
        #expect(typoRun.status == 1)
        #expect(typoRun.output.contains("\(typo):2:41: unknown key 'temprature'"))
    }

    @Test("serve refuses to start on a broken file, with the location")
    func serveRefusesBrokenFile() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write("server: {port: [1]}\n", as: "providers.yaml")
        let run = try await PatchbayCommandRun.run(["serve", "--config", config])
        #expect(run.status == 2)
        #expect(run.output.contains("\(config):1:16:"))
    }

    @Test("reload finds the admin listener in providers.yaml, a Unix socket here; the public port has no admin routes")
    func reloadReachesTheAdminListener() async throws {
        let deployment = try EchoDeployment(config: """
            plugins: {directory: ./plugins}
            server: {admin: {socket: ./admin.sock}}
            providers: {echo: {plugin: echo}}
            assistants: {default: {provider: echo, model: echo-1}}
            """)
        let server = try await ServerProcess(config: deployment.config, adminPort: nil)
        defer { server.kill(SIGTERM) }
        #expect(server.adminAddress == "unix:\(deployment.directory.path)/admin.sock")
        let run = try await PatchbayCommandRun.run(["reload", "--config", deployment.config])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains(#""result":"applied""#))
        #expect(run.output.contains(#""trigger":"admin""#))
        #expect(try await LiveHTTP.send(port: server.port, "POST", "/admin/reload").status == 404)

        // --url still wins: the public port has no /admin/reload.
        let wrong = try await PatchbayCommandRun.run(["reload", "--config", deployment.config, "--url", "http://127.0.0.1:\(server.port)"])
        #expect(wrong.status == 1)
        #expect(wrong.output.contains(#""code":"NOT_FOUND""#))
    }

    @Test("plugins lists what loads and what is refused, and fails when something is refused")
    func pluginsListing() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let bad = try directory.write("text", as: "libbad.so")
        let run = try await PatchbayCommandRun.run(["plugins", "--plugins", directory.path])
        #expect(run.status == 1)
        #expect(run.output.contains("loaded  echo 1.0.0 (ABI 1.4) models: echo-1, echo-embed"))
        #expect(run.output.contains("refused \(bad): not a shared library (no ELF header)"))
    }
}
