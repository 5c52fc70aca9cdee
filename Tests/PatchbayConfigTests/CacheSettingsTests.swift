import PatchbayConfig
import Testing

@testable import PatchbayConfig

/// An assistant's `cache:` block: what it reads, its defaults, and every mistake located.
@Suite("Configuration: cache")
struct CacheSettingsTests {
    static func yaml(_ cache: String) -> String {
        """
        providers:
          echo: {plugin: echo}
          embed: {plugin: openai, base_url: "http://127.0.0.1:1/v1"}
        assistants:
          default:
            provider: echo
            model: echo-1
            cache: \(cache)
        """
    }

    @Test("a full block is read; sizes take units; off unless set")
    func full() throws {
        let text = Self.yaml("""
            {exact: false, semantic: {embedder: embed, model: text-embedding-3-small, threshold: 0.9}, ttl: 120,
                   max_bytes: 64MiB, scope: global, warm: {greeting: [Hello, Hi there], help: [How do I reset my password?]}}
            """)
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml")
        let cache = try #require(configuration.assistants.first?.cache)
        #expect(cache.exact == false)
        #expect(cache.semantic?.embedder == "embed" && cache.semantic?.model == "text-embedding-3-small" && cache.semantic?.threshold == 0.9)
        #expect(cache.semantic?.location.line == 8)
        #expect(cache.ttlSeconds == 120 && cache.maxBytes == 64 << 20 && cache.scope == .global)
        #expect(cache.warm == [.init(name: "greeting", prompts: ["Hello", "Hi there"]), .init(name: "help", prompts: ["How do I reset my password?"])])

        let defaults = try #require(try ConfigurationReader.parse(Self.yaml("{}"), source: "providers.yaml").assistants.first?.cache)
        #expect(defaults == CacheSettings())
        #expect(defaults.exact && defaults.semantic == nil && defaults.ttlSeconds == 3600 && defaults.maxBytes == 64 << 20 && defaults.scope == .key)
        let none = try ConfigurationReader.parse(Self.yaml("null"), source: "providers.yaml")
        #expect(none.assistants.first?.cache == nil)
    }

    @Test("sizes: bytes, KiB/MiB/GiB, KB/MB/GB, with or without a space; nonsense is refused")
    func sizes() {
        #expect(ConfigurationValidator.parseByteSize("2048") == 2048)
        #expect(ConfigurationValidator.parseByteSize("2KiB") == 2048)
        #expect(ConfigurationValidator.parseByteSize("1.5 MiB") == 1_572_864)
        #expect(ConfigurationValidator.parseByteSize("64MB") == 64_000_000)
        #expect(ConfigurationValidator.parseByteSize("1GiB") == 1 << 30)
        #expect(ConfigurationValidator.parseByteSize("100B") == 100)
        for bad in ["", "MiB", "64 MiBs", "-1KiB", "lots", "1e400GB"] { #expect(ConfigurationValidator.parseByteSize(bad) == nil, "\(bad)") }
    }

    @Test("each mistake is reported at its line and column")
    func mistakes() {
        #expect(errorDescriptions(Self.yaml("{max_bytes: 64 MiBs}")) == [
            "providers.yaml:8:24: assistant 'default': cache.max_bytes must be a size in bytes from 1024 to 1099511627776, such as 67108864 or 64MiB, found string \"64 MiBs\""
        ])
        #expect(errorDescriptions(Self.yaml("{scope: everyone}")) == [
            "providers.yaml:8:20: assistant 'default': cache.scope must be key or global, found string \"everyone\""
        ])
        #expect(errorDescriptions(Self.yaml("{ttl_seconds: 5}")) == [
            "providers.yaml:8:13: unknown key 'ttl_seconds' in assistant 'default' under 'cache'; known keys: exact, semantic, ttl, max_bytes, scope, warm"
        ])
        #expect(errorDescriptions(Self.yaml("{semantic: {embedder: nope, model: m, threshold: 1.5}}")) == [
            "providers.yaml:8:34: assistant 'default': cache.semantic.embedder 'nope' is not a provider; known providers: echo, embed",
            "providers.yaml:8:61: assistant 'default': cache.semantic.threshold must be a number from 0 to 1, found number 1.5",
        ])
        #expect(errorDescriptions(Self.yaml("{semantic: {model: m}}")) == [
            "providers.yaml:8:23: assistant 'default': cache.semantic is missing required key 'embedder'"
        ])
        #expect(errorDescriptions(Self.yaml("{exact: false}")) == [
            "providers.yaml:8:12: assistant 'default': cache.exact is false and there is no semantic: the cache would never answer; remove 'cache:' or set one"
        ])
        #expect(errorDescriptions(Self.yaml("{warm: {greeting: hello}}")) == [
            "providers.yaml:8:30: assistant 'default': cache.warm.greeting must be a list of prompts, found string \"hello\""
        ])
    }
}
