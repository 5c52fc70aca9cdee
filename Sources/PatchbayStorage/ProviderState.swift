/// A provider's own handle on a conversation (ABI 1.2 `state`: an OpenAI response id, a thread
/// id), kept with the provider that produced it, since no other provider can make sense of it.
public struct ProviderState: Sendable, Equatable {
    /// The providers.yaml name of the provider whose call produced the state.
    public var provider: String
    /// The state itself, opaque to Patchbay.
    public var value: String

    /// Creates a state record.
    public init(provider: String, value: String) {
        self.provider = provider
        self.value = value
    }

    /// The longest state kept, in bytes of UTF-8 (the ABI's `PATCHBAY_STATE_MAX_BYTES`).
    public static let maximumBytes = 4096
}
