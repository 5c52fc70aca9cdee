import Foundation
import Logging
import PatchbayConfig
import PatchbayStorage

extension PatchbayLauncher {
    /// `patchbay migrate`: runs the migrations of the store `storage:` names; returns what it did, in words.
    public static func migrate(_ storage: StorageSettings, configPath: String, logger: Logger) async throws -> String {
        guard let url = storage.postgresURL else {
            let path = resolve(storage.sqlitePath, relativeTo: configPath)
            try SQLiteConversationStore(path: path, logger: logger).close()  // opening runs them
            return "\(path): migrated"
        }
        let ran = try await PostgresConversationStore.migrate(endpoint: .init(url), logger: logger)
        return "\(url): " + (ran.isEmpty ? "up to date" : "applied \(ran.joined(separator: ", "))")
    }

    /// `patchbay migrate --from sqlite:PATH --to postgres:URL`: copies the history; returns what it did, in words.
    public static func copyHistory(from: String, to: String, logger: Logger) async throws -> String {
        guard from.hasPrefix("sqlite:"), case let path = String(from.dropFirst("sqlite:".count)), !path.isEmpty else {
            throw HistoryCopy.Failure(message: "--from must be sqlite:PATH")
        }
        // postgres:URL, or the URL itself (postgres://… already names the engine).
        let text = to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") ? to : String(to.dropFirst("postgres:".count))
        guard to.hasPrefix("postgres:") || to.hasPrefix("postgresql:") else { throw HistoryCopy.Failure(message: "--to must be postgres:URL") }
        let url: PostgresURL
        do {
            url = try PostgresURL(parsing: text)
        } catch {
            throw HistoryCopy.Failure(message: "--to is not a PostgreSQL URL: \(error.message)")
        }
        guard FileManager.default.fileExists(atPath: path) else { throw HistoryCopy.Failure(message: "\(path): no such file") }
        let source = try SQLiteConversationStore(path: path, logger: logger)
        defer { try? source.close() }
        let target = PostgresConversationStore(endpoint: .init(url), operationTimeout: .seconds(600), maximumConnections: 2, logger: logger)
        let report = try await target.withPoolRunning { try await HistoryCopy.copy(from: source, to: target) }
        return "copied \(report.conversations) conversations and \(report.messages) messages from \(path) to \(url); "
            + "counts match, \(report.sampled) conversations compared"
    }
}
