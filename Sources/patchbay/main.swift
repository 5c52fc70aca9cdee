import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PatchbayConfig
import PatchbayServer

/// `patchbay`: serve, check a configuration, or list what plugins load.
@main
struct PatchbayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchbay",
        abstract: "A small, fast gateway between chat widgets and AI providers.",
        subcommands: [Serve.self, Check.self, Plugins.self, Reload.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}

/// Sets up logging once: one JSON object per line on standard error (`logging.format: text`
/// or `LOG_FORMAT=text` for people), at `logging.level` (LOG_LEVEL overrides it).
func makeLogger(_ settings: LoggingSettings = LoggingSettings()) -> Logger {
    let environment = ProcessInfo.processInfo.environment
    let level = Logger.Level(rawValue: environment["LOG_LEVEL"]?.lowercased() ?? settings.level) ?? .info
    let text = environment["LOG_FORMAT"].map { $0 == "text" } ?? (settings.format == .text)
    LoggingSystem.bootstrap { label in
        if text {
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return JSONLogHandler(label: label, level: level)
    }
    return Logger(label: "patchbay")
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server.")
    @Option(help: "The configuration file.") var config = "providers.yaml"
    @Option(help: "The address to listen on (overrides server.host).") var host: String?
    @Option(help: "The port to listen on (overrides server.port and PORT).") var port: Int?
    @Option(help: "The admin listener's TCP port (overrides server.admin; 0: any free port).") var adminPort: Int?
    @Option(help: "The plugins folder (overrides plugins.directory).") var plugins: String?

    func run() async throws {
        let configuration: PatchbayConfiguration
        do {
            configuration = try ConfigurationReader.read(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        try await PatchbayLauncher.serve(
            configuration: configuration, configPath: config, host: host, port: port, adminPort: adminPort, pluginsDirectory: plugins,
            logger: makeLogger(configuration.logging)
        )
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate the configuration and the plugins it names; exit non-zero on any error.")
    @Option(help: "The configuration file.") var config = "providers.yaml"
    @Option(help: "The plugins folder (overrides plugins.directory).") var plugins: String?

    func run() async throws {
        var logger = makeLogger()
        logger.logLevel = .critical  // check prints its findings itself, one per line
        let routes: RouteTable
        do {
            routes = try PatchbayLauncher.routes(configPath: config, pluginsDirectory: plugins, createInstances: false, logger: logger)
        } catch {
            print(error)
            throw ExitCode(1)
        }
        for refusal in routes.catalog.refusals { print("\(refusal.path): plugin refused: \(refusal.message)") }
        for problem in routes.problems { print(problem) }
        for provider in routes.providers where provider.unavailableReason?.hasPrefix("not configured") == true {
            print("note: provider '\(provider.name)' is \(provider.unavailableReason!)")
        }
        if !routes.problems.isEmpty || !routes.catalog.refusals.isEmpty || routes.catalog.directoryMissing {
            throw ExitCode(1)
        }
        print("\(config): ok — \(routes.assistants.count) assistants, \(routes.providers.count) providers, \(routes.catalog.plugins.count) plugins")
    }
}

struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the plugins that load from a folder, and those refused with why.")
    @Option(help: "The plugins folder.") var plugins = "provider-plugins"

    func run() async throws {
        var logger = makeLogger()
        logger.logLevel = .critical
        let report = PatchbayLauncher.pluginReport(directory: plugins, logger: logger)
        report.lines.forEach { print($0) }
        if report.refused > 0 { throw ExitCode(1) }
    }
}

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running server to reload providers.yaml and its plugins now (POST /admin/reload on its admin listener).",
        discussion: "With auth, send a key marked admin: true. Sending SIGHUP to the server does the same."
    )
    @Option(help: "The configuration file, for the admin listener's address (server.admin).") var config = "providers.yaml"
    @Option(help: "The admin listener's base URL (default: server.admin's address; http+unix:// for a socket).") var url: String?
    @Option(help: "An API key with admin: true (default: $PATCHBAY_ADMIN_KEY).") var key: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let address = (try? ConfigurationReader.read(path: config, environment: environment))?.server.admin.address
            ?? AdminListenerSettings().address
        let endpoint = url.map { $0 + "/admin/reload" } ?? Self.reloadURL(address)
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        if let key = key ?? environment["PATCHBAY_ADMIN_KEY"] { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let status: UInt
        let body: String
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            status = response.status.code
            body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            print("cannot reach the server's admin listener at \(url ?? address.description): \(error)")
            throw ExitCode(2)
        }
        print(body)
        if status != 200 { throw ExitCode(1) }
    }

    /// `POST /admin/reload` at the admin listener: a wildcard host is reached on loopback.
    static func reloadURL(_ address: AdminListenerAddress) -> String {
        switch address {
        case .tcp(let host, let port):
            let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host
            return "\(AdminListenerAddress.tcp(host: reachable, port: port))/admin/reload"
        case .socket(let path):
            return URL(httpURLWithSocketPath: path, uri: "/admin/reload")?.absoluteString ?? "http+unix://\(path)/admin/reload"
        }
    }
}

/// `patchbay migrate`: runs the conversation store's schema migrations, or copies a SQLite history
/// into PostgreSQL.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the conversation store's migrations, or copy a SQLite history into PostgreSQL.",
        discussion: """
            Without --from/--to: migrates the store providers.yaml's storage: section names.
            With them: copies every conversation and message from sqlite:PATH into postgres:URL (an empty database,
            migrated first), then checks the copy by counts and a sample. Stop the servers writing to the file first.
            """
    )
    @Option(help: "The configuration file (without --from/--to).") var config = "providers.yaml"
    @Option(help: "The SQLite history to copy: sqlite:PATH.") var from: String?
    @Option(help: "The PostgreSQL database to copy into: postgres:URL (postgres://user:password@host:port/database).") var to: String?

    func run() async throws {
        var logger = makeLogger()
        logger.logLevel = .warning
        do {
            switch (from, to) {
            case (nil, nil):
                let configuration = try ConfigurationReader.read(path: config, environment: ProcessInfo.processInfo.environment)
                print(try await PatchbayLauncher.migrate(configuration.storage, configPath: config, logger: logger))
            case (let from?, let to?):
                print(try await PatchbayLauncher.copyHistory(from: from, to: to, logger: logger))
            default:
                throw ValidationError("--from and --to go together: --from sqlite:PATH --to postgres:URL")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("patchbay migrate: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
