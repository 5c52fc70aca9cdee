import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PatchbayConfig
import PatchbayServer

/// `patchbay`: serve, check a configuration, or list what plugins load.
@main
struct PatchbayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchbay",
        abstract: "A small, fast gateway between chat widgets and AI providers.",
        subcommands: [Serve.self, Check.self, Plugins.self, Reload.self],
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
            configuration: configuration, configPath: config, host: host, port: port, pluginsDirectory: plugins,
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
        abstract: "Ask a running server to reload providers.yaml and its plugins now (POST /admin/reload).",
        discussion: "Without auth the server accepts this from its own machine only; with auth, send a key marked admin: true. Sending SIGHUP to the server does the same."
    )
    @Option(help: "The configuration file, for the server's port.") var config = "providers.yaml"
    @Option(help: "The server's base URL (default: http://127.0.0.1 and the file's port).") var url: String?
    @Option(help: "An API key with admin: true (default: $PATCHBAY_ADMIN_KEY).") var key: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var base = url
        if base == nil {
            let port = (try? ConfigurationReader.read(path: config, environment: environment))?.server.port ?? ServerSettings.defaultPort
            base = "http://127.0.0.1:\(port)"
        }
        guard let endpoint = URL(string: base! + "/admin/reload") else {
            print("not a URL: \(base!)")
            throw ExitCode(2)
        }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        if let key = key ?? environment["PATCHBAY_ADMIN_KEY"] { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            print("cannot reach the server at \(base!): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        print(String(decoding: data, as: UTF8.self))
        if (response as? HTTPURLResponse)?.statusCode != 200 { throw ExitCode(1) }
    }
}
