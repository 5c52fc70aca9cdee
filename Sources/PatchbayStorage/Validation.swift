import Foundation

/// Argument checks shared by the store's methods; each throws `.invalidArgument` before the database is touched.
enum Validation {
    static func conversationID(_ id: String, name: String = "conversation id") throws {
        guard !id.isEmpty else {
            throw StorageError.invalidArgument("\(name) must not be empty")
        }
        guard id.count <= ConversationStoreLimits.maximumIDLength else {
            throw StorageError.invalidArgument(
                "\(name) is \(id.count) characters long; at most \(ConversationStoreLimits.maximumIDLength) are allowed"
            )
        }
    }

    static func assistantType(_ assistantType: String) throws {
        try conversationID(assistantType, name: "assistant type")
    }

    static func page(_ page: Int) throws {
        guard page >= 1 else {
            throw StorageError.invalidArgument("page is \(page); pages start at 1")
        }
    }

    static func limit(_ limit: Int) throws {
        guard (1...ConversationStoreLimits.maximumPageSize).contains(limit) else {
            throw StorageError.invalidArgument(
                "limit is \(limit); it must be between 1 and \(ConversationStoreLimits.maximumPageSize)"
            )
        }
    }

    static func providerState(_ state: ProviderState?) throws {
        guard let state else { return }
        guard !state.provider.isEmpty else {
            throw StorageError.invalidArgument("a provider state needs the name of its provider")
        }
        guard state.value.utf8.count <= ProviderState.maximumBytes else {
            throw StorageError.invalidArgument(
                "provider state is \(state.value.utf8.count) bytes long; at most \(ProviderState.maximumBytes) are kept"
            )
        }
    }

    static func message(_ message: NewMessage) throws {
        _ = try StorageDate.milliseconds(message.createdAt, name: "message createdAt")
        if let usage = message.usage {
            guard usage.inputTokens >= 0, usage.outputTokens >= 0 else {
                throw StorageError.invalidArgument(
                    "token counts must not be negative (input \(usage.inputTokens), output \(usage.outputTokens))"
                )
            }
        }
    }
}

/// Dates are stored as INTEGER milliseconds since 1970-01-01T00:00:00Z: UTC by construction, exact, and ordered.
///
/// The store hands back dates as they were stored, so a date read back equals the one the store returned when writing;
/// a date that already falls on a millisecond (as any date read from the store does) round-trips unchanged.
enum StorageDate {
    /// About year 33658, far beyond any real timestamp but well inside Int64 milliseconds.
    private static let maximumMagnitude: Double = 1e15

    static func milliseconds(_ date: Date, name: String = "date") throws -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite, abs(value) < maximumMagnitude else {
            throw StorageError.invalidArgument("\(name) \(date.timeIntervalSince1970) is out of range")
        }
        return Int64(value)
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The date as the store will hand it back.
    static func normalized(_ date: Date) throws -> Date {
        self.date(milliseconds: try milliseconds(date))
    }
}
