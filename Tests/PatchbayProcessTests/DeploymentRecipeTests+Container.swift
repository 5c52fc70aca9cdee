import Foundation
import PatchbayTestSupport
import Testing

/// The Containerfile and compose.yaml, which Docker would run: checked here against the repository,
/// the built binary's own command line and configuration check, and each other.
extension DeploymentRecipeTests {
    /// The Containerfile's instructions: continuation lines joined, comments dropped.
    static func containerInstructions() throws -> [(keyword: String, arguments: String)] {
        let text = try recipe("Containerfile").replacingOccurrences(of: "\\\n", with: " ")
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { line in
                let keyword = line.prefix { !$0.isWhitespace }
                return (String(keyword), line.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces))
            }
    }

    /// The run stage's ENTRYPOINT, a JSON array.
    static func entrypoint() throws -> [String] {
        let instruction = try #require(try containerInstructions().last { $0.keyword == "ENTRYPOINT" })
        return try #require(try JSONSerialization.jsonObject(with: Data(instruction.arguments.utf8)) as? [String])
    }

    /// The value after `flag` in a command line.
    static func value(of flag: String, in command: [String]) -> String? {
        command.firstIndex(of: flag).flatMap { command.indices.contains($0 + 1) ? command[$0 + 1] : nil }
    }

    @Test("what the Containerfile copies from the repository is there, and patchbay serve takes every flag its ENTRYPOINT passes")
    func containerfileMatchesTheRepository() async throws {
        let instructions = try Self.containerInstructions()
        let copies = instructions.filter { $0.keyword == "COPY" && !$0.arguments.hasPrefix("--from") }
        #expect(copies.count >= 4)
        for copy in copies {
            for source in copy.arguments.split(separator: " ").dropLast() {
                #expect(FileManager.default.fileExists(atPath: "\(TestPaths.repositoryRoot)/\(source)"), "COPY \(source): not in the repository")
            }
        }
        // What the build stage takes from the build folder: the binary and its resource bundles
        // (the widget, the pages, the API documents are in Patchbay_PatchbayServer.resources).
        #expect(FileManager.default.fileExists(atPath: "\(TestPaths.buildDirectory)/Patchbay_PatchbayServer.resources/Assets"))
        #expect(instructions.contains { $0.keyword == "RUN" && $0.arguments.contains(#"cp -R "$bin"/*.resources /staging/"#) })
        // The build stage runs `make plugins` with these variables: the Makefile takes them.
        let make = try await ChildProcess.run("make", ["-n", "-C", TestPaths.repositoryRoot, "plugins", "BUILD=release", "PLUGINS_DIR=/staging/plugins"])
        #expect(make.status == 0 && make.output.contains("swift build -c release") && make.output.contains("/staging/plugins"), "\(make.output)")

        let command = try Self.entrypoint()
        #expect(command.prefix(2) == ["/opt/patchbay/patchbay", "serve"])
        let help = try await ChildProcess.run(Self.patchbay, ["serve", "--help"])
        let known = Set(help.output.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
        #expect(known.contains("--config"), "\(help.output)")
        for flag in command where flag.hasPrefix("-") {
            #expect(known.contains(flag), "the ENTRYPOINT passes \(flag), which patchbay serve does not take: \(help.output)")
        }
        // The configuration it names is the one copied in; the port it serves is the one exposed and probed.
        let config = try #require(Self.value(of: "--config", in: command))
        #expect(copies.contains { $0.arguments == "deploy/config/providers.yaml \(config)" })
        let port = try #require(Self.value(of: "--port", in: command))
        #expect(instructions.contains { $0.keyword == "EXPOSE" && $0.arguments == port })
        #expect(instructions.contains { $0.keyword == "HEALTHCHECK" && $0.arguments.contains("http://127.0.0.1:\(port)/health") })
        let plugins = try #require(Self.value(of: "--plugins", in: command))
        #expect(instructions.contains { $0.keyword == "VOLUME" && $0.arguments.contains("\"\(plugins)\"") })
        #expect(instructions.contains { $0.keyword == "USER" && $0.arguments != "root" })
    }

    @Test("patchbay check accepts deploy/config/providers.yaml with the compose file's environment and the shipped plugins")
    func deployedConfigurationChecks() async throws {
        let plugins = try TemporaryDirectory()
        for (product, _) in Self.shippedPlugins where product != RustPlugin.product {
            try plugins.copy(TestPaths.builtPlugin(product), as: "lib\(product).so")
        }
        let check = try await ChildProcess.run(Self.patchbay, ["check", "--config", "\(Self.deploy)/config/providers.yaml", "--plugins", plugins.path], environment: [
            "DATABASE_URL": "postgres://patchbay:secret@postgres:5432/patchbay?sslmode=disable",
            "REDIS_URL": "redis://redis:6379/0",
            "OPENAI_API_KEY": "sk-deploy-SECRET",
        ])
        #expect(check.status == 0 && check.output.contains(": ok"), "\(check.output)")
    }

    /// A YAML file as JSON values, read by PyYAML (Debian's python3-yaml), which reads compose
    /// files as Docker Compose does: anchors and merge keys included.
    static func yaml(_ path: String) async throws -> [String: Any] {
        let run = try await ChildProcess.run("/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path])
        try #require(run.status == 0, "\(path): \(run.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
    }

    @Test("compose.yaml, nginx.conf, providers.yaml and the Containerfile name the same services, ports, addresses, variables and paths")
    func composeAgreesWithTheRest() async throws {
        let compose = try await Self.yaml("\(Self.deploy)/compose.yaml")
        let services = try #require(compose["services"] as? [String: [String: Any]])
        let config = try await Self.yaml("\(Self.deploy)/config/providers.yaml")
        let configText = try Self.recipe("config/providers.yaml")
        let command = try Self.entrypoint()

        // The Patchbay services: the image of deploy/Containerfile, and nginx's upstream servers.
        let patchbays = services.filter { ($0.value["build"] as? [String: Any])?["dockerfile"] as? String == "deploy/Containerfile" }
        #expect(patchbays.count == 2)
        for build in patchbays.values.compactMap({ $0["build"] as? [String: Any] }) {
            let context = "\(Self.deploy)/\(build["context"] as? String ?? "")"
            #expect(FileManager.default.fileExists(atPath: "\(context)/\(build["dockerfile"] as? String ?? "")"))
        }
        let port = try #require(Self.value(of: "--port", in: command))
        #expect((config["server"] as? [String: Any])?["port"] as? Int == Int(port))
        let upstreams = try Self.recipe("nginx.conf").matches(of: /\n\s*server ([a-z0-9-]+):(\d+)/).map { "\($0.output.1):\($0.output.2)" }
        #expect(Set(upstreams) == Set(patchbays.keys.map { "\($0):\(port)" }), "nginx.conf's upstream: \(upstreams)")

        // Their environment: every ${VARIABLE} of providers.yaml, the databases at compose services.
        let variables = Set(configText.matches(of: /\$\{([A-Z_][A-Z0-9_]*)/).map { String($0.output.1) })
        #expect(variables.contains("DATABASE_URL"))
        for (name, service) in patchbays {
            let environment = service["environment"] as? [String: String] ?? [:]
            #expect(variables.isSubset(of: environment.keys), "\(name) sets \(environment.keys.sorted()), providers.yaml reads \(variables.sorted())")
            for (variable, server) in [("DATABASE_URL", "postgres"), ("REDIS_URL", "redis")] {
                let host = environment[variable]?.firstMatch(of: /@?([a-z0-9-]+):(\d+)\//)?.output.1
                #expect(host.map { services[String($0)] != nil } == true, "\(name): \(variable) names no compose service")
                #expect(services[server] != nil)
            }
            // The configuration folder is mounted where the ENTRYPOINT reads it, the plugins volume where it loads them.
            let volumes = service["volumes"] as? [String] ?? []
            let configFolder = try #require(Self.value(of: "--config", in: command)).split(separator: "/").dropLast().joined(separator: "/")
            #expect(volumes.contains("./config:/\(configFolder):ro"), "\(volumes)")
            #expect(volumes.contains { $0.hasSuffix(":\(Self.value(of: "--plugins", in: command) ?? "?")") }, "\(volumes)")
        }
        #expect(FileManager.default.fileExists(atPath: "\(Self.deploy)/config/providers.yaml"))

        // nginx: its file mounted where its command reads it, and its address the one Patchbay trusts.
        let nginx = try #require(services["nginx"])
        let nginxCommand = nginx["command"] as? [String] ?? []
        #expect((nginx["volumes"] as? [String] ?? []).contains("./nginx.conf:\(Self.value(of: "-c", in: nginxCommand) ?? "?"):ro"))
        let address = ((nginx["networks"] as? [String: Any])?["patchbay"] as? [String: Any])?["ipv4_address"] as? String
        let trusted = (config["server"] as? [String: Any])?["trusted_proxies"] as? [String] ?? []
        #expect(address.map { trusted.contains("\($0)/32") } == true, "nginx at \(address ?? "?"), trusted: \(trusted)")
        // PostgreSQL's user and database are the ones in DATABASE_URL.
        let postgres = services["postgres"]?["environment"] as? [String: String] ?? [:]
        let databaseURL = patchbays.values.first.flatMap { ($0["environment"] as? [String: String])?["DATABASE_URL"] } ?? ""
        #expect(databaseURL.hasPrefix("postgres://\(postgres["POSTGRES_USER"] ?? "?"):"))
        #expect(databaseURL.contains("/\(postgres["POSTGRES_DB"] ?? "?")?"))
    }
}
