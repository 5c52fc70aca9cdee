import FakeUpstream
import Foundation
import PatchbayTestSupport
import Testing

/// The recipes in deploy/, checked by the tools that run them wherever those run here: the systemd
/// unit by `systemd-analyze` and by running `patchbay serve` under its memory restriction, nginx's
/// configuration by nginx itself in front of a real `patchbay serve`, and the Containerfile and the
/// compose file against the repository, each other and the binary's own command line (Docker does
/// not run here).
@Suite("Deployment recipes in deploy/", .timeLimit(.minutes(3)))
struct DeploymentRecipeTests {
    static let deploy = "\(TestPaths.repositoryRoot)/deploy"
    static let patchbay = "\(TestPaths.buildDirectory)/patchbay"

    /// A file of deploy/, as text.
    static func recipe(_ name: String) throws -> String {
        try String(contentsOfFile: "\(deploy)/\(name)", encoding: .utf8)
    }

    // MARK: The systemd unit

    /// deploy/patchbay.service with ExecStart on the built binary: `verify` checks that it exists.
    static func runnableUnit() throws -> String {
        let unit = try recipe("patchbay.service")
        let runnable = unit.replacingOccurrences(of: "ExecStart=/opt/patchbay/patchbay ", with: "ExecStart=\(patchbay) ")
        try #require(runnable != unit, "the unit's ExecStart runs /opt/patchbay/patchbay")
        return runnable
    }

    /// Runs `systemd-analyze` on a unit written to a fresh folder as patchbay.service.
    static func systemdAnalyze(_ arguments: [String], unit: String) async throws -> (status: Int32, output: String) {
        let folder = try TemporaryDirectory()
        let file = try folder.write(unit, as: "patchbay.service")
        return try await ChildProcess.run("systemd-analyze", arguments + [file])
    }

    /// What `systemd-analyze verify` says about a unit: its lines naming the unit, and its exit
    /// status when that is not 0. (It exits 0 on an unknown key or a value it cannot parse: it
    /// warns and ignores the line, as systemd would.)
    static func verifyFindings(_ unit: String) async throws -> [String] {
        let run = try await systemdAnalyze(["verify"], unit: unit)
        let findings = run.output.split(separator: "\n").map(String.init).filter { $0.contains("patchbay.service") }
        return run.status == 0 ? findings : findings + ["exit status \(run.status): \(run.output)"]
    }

    @Test("systemd-analyze verify has nothing to say about the unit, and does about a misspelt copy")
    func unitVerifies() async throws {
        let unit = try Self.runnableUnit()
        #expect(try await Self.verifyFindings(unit) == [])

        let misspelt = unit.replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSystem=strictest")
            .replacingOccurrences(of: "NoNewPrivileges=yes", with: "NoNewPrivilege=yes")
        let findings = try await Self.verifyFindings(misspelt)
        #expect(findings.contains { $0.contains("protect system value") }, "\(findings)")
        #expect(findings.contains { $0.contains("Unknown key 'NoNewPrivilege'") }, "\(findings)")
    }

    @Test("systemd-analyze security rates the unit's exposure at 2.0 or less; the unit stripped of its confinement fails that")
    func unitIsConfined() async throws {
        let unit = try Self.runnableUnit()
        let confined = try await Self.systemdAnalyze(["security", "--offline=true", "--threshold=20"], unit: unit)
        #expect(confined.status == 0, "\(confined.output.suffix(2000))")
        #expect(confined.output.contains("Overall exposure level for patchbay.service"), "\(confined.output.suffix(500))")

        let bare = unit.split(separator: "\n").filter { $0.hasPrefix("[") || $0.hasPrefix("ExecStart=") || $0.hasPrefix("Description=") }
        let exposed = try await Self.systemdAnalyze(["security", "--offline=true", "--threshold=20"], unit: bare.joined(separator: "\n"))
        #expect(exposed.status != 0, "\(exposed.output.suffix(500))")
    }

    /// A command prefix that refuses write-and-execute memory to what it starts, as the unit's
    /// `MemoryDenyWriteExecute=yes` does: Linux's own switch for it (prctl `PR_SET_MDWE` with
    /// `PR_MDWE_REFUSE_EXEC_GAIN`, Linux 6.3), which execve keeps. systemd applies a seccomp filter
    /// to the same end (no systemd runs the tests); both refuse a writable and executable mapping
    /// and making memory executable after the fact — what a library that needs an executable
    /// stack, text relocations or a JIT does when it loads or runs. (systemd's also refuses
    /// `mprotect` with `PROT_EXEC` on memory already executable; strace showed `patchbay serve`
    /// with every shipped plugin making no such call.)
    static let memoryDenyWriteExecute = ["/usr/bin/python3", "-c", """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(65, 1, 0, 0, 0) != 0 or libc.prctl(66, 0, 0, 0, 0) != 1:
            sys.exit("cannot refuse write-and-execute memory (PR_SET_MDWE): " + os.strerror(ctypes.get_errno()))
        os.execv(sys.argv[1], sys.argv[1:])
        """]

    /// Every shipped plugin, by product and by the name providers.yaml gives its plugin.
    static let shippedPlugins = [
        ("EchoProvider", "echo"), ("OpenAIProvider", "openai"), ("AnthropicProvider", "anthropic"),
        ("GeminiProvider", "gemini"), ("OpenAIResponsesProvider", "openai-responses"), (RustPlugin.product, "mirror"),
    ]

    @Test("as the unit runs it (no write-and-execute memory), patchbay serve loads every shipped plugin and answers through each; the unit's ExecReload reloads it")
    func servesUnderTheUnitsRestrictions() async throws {
        // The restriction holds across execve: a process that asks for such memory is refused.
        let control = try await ChildProcess.run(Self.memoryDenyWriteExecute[0], Array(Self.memoryDenyWriteExecute.dropFirst()) + [
            "/usr/bin/python3", "-c", "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)",
        ])
        #expect(control.status != 0 && control.output.contains("PermissionError"), "\(control.output)")

        try await RustPlugin.build()
        try await FakeUpstream.withRunning { _, upstreamPort in
            let upstream = "http://127.0.0.1:\(upstreamPort)"
            let deployment = try EchoDeployment(config: """
                plugins: {directory: ./plugins}
                storage: {sqlite_path: ./chats.sqlite}
                providers:
                  echo: {plugin: echo}
                  mirror: {plugin: mirror}
                  openai: {plugin: openai, base_url: "\(upstream)/v1", api_key: sk-deploy-SECRET, max_retries: 0}
                  anthropic: {plugin: anthropic, base_url: "\(upstream)", api_key: sk-deploy-SECRET, max_retries: 0}
                  gemini: {plugin: gemini, base_url: "\(upstream)", api_key: sk-deploy-SECRET, max_retries: 0}
                  responses: {plugin: openai-responses, base_url: "\(upstream)/v1", api_key: sk-deploy-SECRET, max_retries: 0}
                assistants:
                  default: {provider: echo, model: echo-1}
                  mirror: {provider: mirror, model: mirror-1}
                  openai: {provider: openai, model: gpt-4o-mini}
                  anthropic: {provider: anthropic, model: claude-haiku-4-5}
                  gemini: {provider: gemini, model: gemini-2.5-flash}
                  responses: {provider: responses, model: gpt-4o-mini}
                """, withEcho: false)
            for (product, _) in Self.shippedPlugins {
                try deployment.directory.copy(TestPaths.builtPlugin(product), as: "plugins/lib\(product).so")
            }
            let server = try await ServerProcess(config: deployment.config, launcher: Self.memoryDenyWriteExecute)
            let loaded = try await LiveHTTP.health(port: server.port)["plugins"] as? [[String: Any]] ?? []
            #expect(Set(loaded.compactMap { $0["name"] as? String }) == Set(Self.shippedPlugins.map(\.1)), "\(loaded)")
            for (assistant, expected) in [("default", "hello there"), ("mirror", "hello there"), ("openai", "Hello from the fake upstream."),
                                          ("anthropic", "Hello from the fake upstream."), ("gemini", "Hello from the fake upstream."),
                                          ("responses", "Hello from the fake upstream.")] {
                let reply = try await LiveHTTP.send(port: server.port, "POST", "/api/chat",
                                                    json: #"{"message":"hello there","assistantType":"\#(assistant)","stream":false}"#)
                #expect(reply.status == 200 && (try? reply.json()["content"] as? String) == expected, "\(assistant): \(reply.body)")
            }

            try await Self.runExecReload(mainPID: server.pid)
            try await LiveHTTP.eventually {
                let lastReload = try await LiveHTTP.health(port: server.port)["lastReload"] as? [String: Any]
                return lastReload?["trigger"] as? String == "signal" && lastReload?["result"] as? String == "applied"
            }
            server.kill(SIGTERM)
            #expect(server.child.exitStatus == 0, "\(server.output.suffix(2000))")
        }
    }

    /// Runs the unit's ExecReload= as systemd would: `$MAINPID` replaced, the words run without a shell.
    static func runExecReload(mainPID: pid_t) async throws {
        let unit = try recipe("patchbay.service")
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecReload=") })
        let words = line.dropFirst("ExecReload=".count).replacingOccurrences(of: "$MAINPID", with: "\(mainPID)").split(separator: " ").map(String.init)
        let run = try await ChildProcess.run(words[0], Array(words.dropFirst()))
        #expect(run.status == 0, "\(line): \(run.output)")
    }
}
