import ArgumentParser
import Foundation
import PatchbayConfig
import PatchbayServer

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
