import PatchbayStorage

/// What a caller wants to do with a stored conversation.
enum ConversationAccess {
    case read, `continue`, delete
}

extension Conversation {
    /// Whether `key` may use this conversation (OWASP API1: object-level authorization).
    ///
    /// With authentication off (`key` nil) a conversation id is a bearer capability: whoever
    /// holds it may use it. With authentication on, only the key that created the conversation
    /// may; an `admin` key may also read and delete any (not continue it: it would speak for
    /// someone else). A conversation with no owner, stored while authentication was off or before
    /// owners were kept, is then an admin's only.
    func allows(_ key: AuthenticatedKey?, to access: ConversationAccess) -> Bool {
        guard let key else { return true }
        if let owner, owner == key.id { return true }
        return key.admin && access != .continue
    }
}
