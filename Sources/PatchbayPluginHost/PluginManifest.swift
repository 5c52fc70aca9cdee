import Foundation

/// What a plugin says about itself in its descriptor's `manifest_json`.
public struct PluginManifest: Sendable, Equatable, Codable {
    /// Features the plugin offers, e.g. `stream`, `usage`, `cancel`.
    public var capabilities: [String]
    /// Models the plugin knows. The host does not refuse others.
    public var models: [String]
    /// A line for humans.
    public var description: String?

    /// The capability of a plugin that keeps provider-side state (ABI 1.2).
    public static let stateCapability = "state"
    /// The capability of a plugin that embeds text (ABI 1.3); it also sets `embed_start`.
    public static let embeddingsCapability = "embeddings"

    /// Creates a manifest.
    public init(capabilities: [String], models: [String], description: String? = nil) {
        self.capabilities = capabilities
        self.models = models
        self.description = description
    }

    /// Reads the manifest JSON; a member the host does not know is ignored (the schema may grow).
    static func decode(_ text: String) throws -> PluginManifest {
        try JSONDecoder().decode(PluginManifest.self, from: Data(text.utf8))
    }
}
