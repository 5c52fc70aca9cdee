import CPatchbayPlugin
import PatchbayJSON

extension ProviderInstance {
    /// Embeds texts through the plugin's `embed_start` (ABI 1.3): one vector per input, in input
    /// order, all of one dimension.
    ///
    /// Cancelling the awaiting task cancels the plugin's call (`chat_cancel`); the embedding then
    /// throws a ``PluginFailure/Code/cancelled`` failure. An empty `inputs` returns `[]` without
    /// calling the plugin.
    /// - Parameters:
    ///   - model: the upstream embedding model.
    ///   - inputs: the texts.
    ///   - requestID: the host's request id, for the plugin's logs.
    public func embed(model: String, inputs: [String], requestID: String) async throws(EmbeddingError) -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let request = EmbeddingCallRequest(requestID: requestID, model: model, input: inputs)
        let call = try startEmbedding(requestJSON: request.json)
        var vectors: [[Float]] = []
        vectors.reserveCapacity(inputs.count)
        var ending: PluginEvent? = nil
        for await event in call.events {
            switch event {
            case .embedding(let vector): vectors.append(vector)
            case .done, .failed: ending = event
            case .usage, .delta: continue
            }
        }
        switch ending {
        case .done:
            return try checked(vectors, expected: inputs.count)
        case .failed(let failure):
            throw .failed(failure, provider: provider)
        default:
            // The stream ended without a terminal event: the awaiting task was cancelled, and the
            // bridge has cancelled the plugin's call.
            throw .failed(PluginFailure(code: .cancelled, message: "the embedding was cancelled"), provider: provider)
        }
    }

    /// Starts an embedding call with a raw request JSON (see the header's EMBEDDINGS) and returns
    /// its events: `.embedding` vectors, perhaps `.usage`, then exactly one terminal event. For
    /// tests and callers that want the events themselves; ``embed(model:inputs:requestID:)`` is
    /// the checked way.
    /// - Throws: ``EmbeddingError/Code/notSupported`` when the plugin cannot embed,
    ///   ``EmbeddingError/Code/startRefused`` when `embed_start` refused the call.
    public func startEmbedding(requestJSON: String) throws(EmbeddingError) -> ChatCall {
        guard plugin.canEmbed else { throw .notSupported(provider: provider, plugin: plugin) }
        do throws(PluginCallError) {
            // Vectors are not deltas: the flow's byte bound never counts them, and the call never pauses.
            return try startCall(requestJSON: requestJSON, bufferBytes: ChatCall.defaultBufferBytes, kind: .embedding)
        } catch {
            throw .startRefused(error, provider: provider)
        }
    }

    /// The vectors, if there is one per input and all share one positive dimension.
    private func checked(_ vectors: [[Float]], expected: Int) throws(EmbeddingError) -> [[Float]] {
        guard vectors.count == expected else {
            throw .malformed("provider '\(provider)' sent \(vectors.count) vectors for \(expected) inputs")
        }
        let dimension = vectors[0].count
        guard dimension > 0 else {
            throw .malformed("provider '\(provider)' sent an empty vector, or one whose length is not a multiple of 4 bytes")
        }
        guard vectors.allSatisfy({ $0.count == dimension }) else {
            throw .malformed("provider '\(provider)' sent vectors of different dimensions")
        }
        return vectors
    }
}

/// An embedding could not be had from a provider.
public struct EmbeddingError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Equatable {
        /// The plugin cannot embed: no `embed_start` (an ABI 1.0–1.2 plugin, or one that never
        /// implemented it), or no `embeddings` capability in its manifest.
        case notSupported
        /// `embed_start` returned a status other than PATCHBAY_OK.
        case startRefused
        /// The call ended with an ERROR event (see ``EmbeddingError/failure``), cancelled included.
        case failed
        /// The plugin broke the EMBEDDING rules: a vector count other than the inputs', vectors of
        /// different dimensions, an empty one, or a length not a multiple of 4 bytes.
        case malformed
    }

    /// The code.
    public let code: Code
    /// What went wrong, for operators.
    public let message: String
    /// The plugin's failure, for ``Code/failed``: its code, retryability, upstream status and
    /// Retry-After, as for a chat call.
    public let failure: PluginFailure?
    /// The start error, for ``Code/startRefused``.
    public let underlying: PluginCallError?

    static func notSupported(provider: String, plugin: LoadedPlugin) -> Self {
        let reason = plugin.embeddingInconsistency ?? "its plugin '\(plugin.name)' (ABI 1.\(plugin.abiMinor)) has no embed_start"
        return .init(code: .notSupported, message: "provider '\(provider)' cannot embed: \(reason)", failure: nil, underlying: nil)
    }

    static func startRefused(_ error: PluginCallError, provider: String) -> Self {
        .init(code: .startRefused, message: error.message, failure: nil, underlying: error)
    }

    static func failed(_ failure: PluginFailure, provider: String) -> Self {
        .init(code: .failed, message: "provider '\(provider)' failed to embed: \(failure.reportedCode): \(failure.message)",
              failure: failure, underlying: nil)
    }

    /// A reply that broke the EMBEDDING rules (or a caller's own check of it).
    public static func malformed(_ message: String) -> Self {
        .init(code: .malformed, message: message, failure: nil, underlying: nil)
    }

    /// The message.
    public var description: String { message }
}
