import Foundation
import Logging
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

/// A store on a new SQLite file in a temporary folder.
func withStore<T>(_ body: (SQLiteConversationStore) async throws -> T) async throws -> T {
    try await withTemporaryFolder { folder in
        let store = try makeStore(at: folder.appendingPathComponent("patchbay.sqlite").path)
        return try await body(store)
    }
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
