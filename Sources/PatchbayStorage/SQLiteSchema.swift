import GRDB

/// The SQLite schema, as a list of named migrations.
///
/// Migrations run in order and each runs once per database file (GRDB records them in `grdb_migrations`).
/// Never edit a shipped migration: append a new one with a new name.
enum SQLiteSchema {
    /// The names of the migrations, in the order they run.
    static let migrationNames = ["v1-conversations-and-messages", "v2-conversation-owner", "v3-provider-state"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // Dates are INTEGER milliseconds since the Unix epoch (UTC); see StorageDate.
        migrator.registerMigration("v1-conversations-and-messages") { db in
            try db.execute(
                sql: """
                    CREATE TABLE conversations (
                        id TEXT NOT NULL PRIMARY KEY,
                        assistant_type TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        -- When the context was last reset; NULL if never.
                        context_started_at INTEGER,
                        -- Messages with an id above this one form the context (0: all of them).
                        context_start_message_id INTEGER NOT NULL DEFAULT 0,
                        -- Kept in step with the messages table in the same transactions, so reads need no COUNT.
                        message_count INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0)
                    );
                    CREATE INDEX conversations_on_updated_at ON conversations(updated_at);

                    CREATE TABLE messages (
                        -- AUTOINCREMENT: ids are never reused, even after a conversation is deleted.
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
                        content TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        assistant_type TEXT,
                        provider TEXT,
                        model TEXT,
                        input_tokens INTEGER CHECK (input_tokens >= 0),
                        output_tokens INTEGER CHECK (output_tokens >= 0),
                        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'cancelled', 'error')),
                        error_code TEXT,
                        CHECK ((input_tokens IS NULL) = (output_tokens IS NULL))
                    );
                    -- Paging, context reads and the cascade all go through this index.
                    CREATE INDEX messages_on_conversation_id_id ON messages(conversation_id, id);
                    """
            )
        }
        // The API key that created each conversation. Rows from before have none: with
        // authentication on, only admin keys may read or delete them.
        migrator.registerMigration("v2-conversation-owner") { db in
            try db.execute(sql: "ALTER TABLE conversations ADD COLUMN owner TEXT")
        }
        // The provider-side state of the last reply (ABI 1.2) and the provider it belongs to:
        // both set, or both NULL.
        migrator.registerMigration("v3-provider-state") { db in
            try db.execute(
                sql: """
                    ALTER TABLE conversations ADD COLUMN provider_state TEXT;
                    ALTER TABLE conversations ADD COLUMN provider_state_provider TEXT;
                    """
            )
        }
        return migrator
    }
}
