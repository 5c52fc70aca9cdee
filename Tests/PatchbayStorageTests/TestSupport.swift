import Foundation
import Logging
import PatchbayTestSupport
import Testing

@testable import PatchbayStorage

/// A fresh folder under the system's temporary folder, removed when `body` returns.
func withTemporaryFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("patchbay-storage-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

/// The engines the store's suite runs against.
enum StoreEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A store on a fresh database: a new SQLite file in a temporary folder, or a new database on the
/// test process's PostgreSQL server (migrated, its pool running while `body` runs).
func withStore<T: Sendable>(_ engine: StoreEngine, _ body: (any ConversationStore) async throws -> T) async throws -> T {
    switch engine {
    case .sqlite:
        return try await withTemporaryFolder { folder in
            let store = try makeStore(at: folder.appendingPathComponent("patchbay.sqlite").path)
            return try await body(store)
        }
    case .postgres:
        let store = try await makePostgresStore()
        return try await store.withPoolRunning {
            try await store.migrate()
            return try await body(store)
        }
    }
}

/// A store on a new, empty database of the test process's PostgreSQL server (not migrated, pool not running).
func makePostgresStore(database: String? = nil) async throws -> PostgresConversationStore {
    let server = try await PostgresTestServer.shared()
    let name: String
    if let database { name = database } else { name = try await server.createDatabase() }
    var logger = Logger(label: "patchbay.storage.tests")
    logger.logLevel = .warning
    let endpoint = PostgresConversationStore.Endpoint(host: "127.0.0.1", port: server.port, username: "patchbay", database: name, tls: .disable)
    return PostgresConversationStore(endpoint: endpoint, logger: logger)
}

func makeStore(at path: String) throws -> SQLiteConversationStore {
    var logger = Logger(label: "patchbay.storage.tests")
    logger.logLevel = .warning
    return try SQLiteConversationStore(path: path, logger: logger)
}

/// A date on a millisecond boundary, `seconds` after a fixed instant (2023-11-14T22:13:20Z).
func date(_ seconds: Double) -> Date {
    Date(timeIntervalSince1970: (1_700_000_000_000 + (seconds * 1000).rounded()) / 1000)
}

func userMessage(_ text: String, at seconds: Double = 0) -> NewMessage {
    NewMessage(role: .user, content: text, createdAt: date(seconds))
}

/// Expects `body` to throw a ``StorageError`` with `code`.
func expectStorageError<T>(
    _ code: StorageError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    let error = await #expect(throws: StorageError.self, sourceLocation: sourceLocation) {
        _ = try await body()
    }
    #expect(error?.code == code, "got \(String(describing: error))", sourceLocation: sourceLocation)
}
