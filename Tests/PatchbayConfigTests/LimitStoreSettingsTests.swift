import PatchbayConfig
import PatchbayRateLimit
import Testing

@Suite("limits.store: rate limits in Redis")
struct LimitStoreSettingsTests {
    static func yaml(_ limits: String) -> String {
        "limits: \(limits)\nproviders:\n  echo: {plugin: echo}\nassistants:\n  default: {provider: echo, model: echo-1}\n"
    }

    @Test("by default the counters stay in this process, letting requests through if they ever fail")
    func defaults() throws {
        let configuration = try ConfigurationReader.parse(Self.yaml("{requests_per_minute: 5}"), source: "providers.yaml", environment: [:])
        #expect(configuration.limitStore == LimitStoreSettings())
        #expect(configuration.limitStore.redisURL == nil && configuration.limitStore.kind == "memory")
        #expect(configuration.limitStore.onFailure == .allow)
        #expect(configuration.limitStore.timeoutMilliseconds == 250)
    }

    @Test("store: ${VARIABLE}s resolved, the URL taken apart, the password kept out of its description")
    func redisURL() throws {
        let text = Self.yaml(#"{requests_per_minute: 5, store: "${REDIS_URL}", on_store_failure: deny, store_timeout_ms: 100}"#)
        let environment = ["REDIS_URL": "redis://:s%40cret@cache.internal:6380/2"]
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: environment)
        let store = configuration.limitStore
        #expect(store.redisURL == RedisURL(host: "cache.internal", port: 6380, password: "s@cret", database: 2))
        #expect(store.onFailure == .deny && store.timeoutMilliseconds == 100)
        #expect(store.summary == "redis redis://cache.internal:6380/2" && store.kind == "redis")
        #expect(configuration.limits == RateLimitPolicy(requestsPerMinute: 5))

        let plain = try RedisURL(parsing: "redis://localhost")
        #expect(plain == RedisURL(host: "localhost", port: 6379, database: 0))
        let user = try RedisURL(parsing: "redis://patchbay:pw@10.0.0.5/0")
        #expect(user.username == "patchbay" && user.password == "pw" && "\(user)" == "redis://10.0.0.5:6379/0")
    }

    @Test("store mistakes are located errors that never repeat the URL")
    func redisURLErrors() {
        #expect(errorDescriptions(Self.yaml(#"{store: "${REDIS_URL}"}"#)) == [
            "providers.yaml:1:17: limits: store needs the environment variable REDIS_URL, which is unset or empty",
        ])
        #expect(errorDescriptions(Self.yaml(#"{store: "http://:hunter2@cache:6379"}"#)) == [
            "providers.yaml:1:17: limits: store is not a Redis URL: the scheme must be redis://, found http://",
        ])
        let tls = errorDescriptions(Self.yaml(#"{store: "rediss://:hunter2@cache:6379"}"#))
        #expect(tls.count == 1 && tls[0].contains("TLS to Redis is not supported") && !tls[0].contains("hunter2"))
        let database = errorDescriptions(Self.yaml(#"{store: "redis://:hunter2@cache/zero"}"#))
        #expect(database.count == 1 && database[0].contains("must be a database number") && !database[0].contains("hunter2"))
        #expect(errorDescriptions(Self.yaml(#"{store: "redis://cache?ssl=true"}"#)).first?.contains("unknown URL parameter 'ssl'") == true)
        #expect(errorDescriptions(Self.yaml(#"{store: "redis://"}"#)).first?.contains("the URL has no host") == true)
        #expect(errorDescriptions(Self.yaml(#"{store: "${BAD-NAME}"}"#)).first?.hasPrefix("providers.yaml:1:17: limits: store: invalid environment variable reference") == true)
    }

    @Test("on_store_failure is allow or deny, store_timeout_ms 1 to 60000")
    func failurePolicyErrors() {
        #expect(errorDescriptions(Self.yaml("{on_store_failure: block, store_timeout_ms: 0}")) == [
            #"providers.yaml:1:28: limits: on_store_failure must be allow or deny, found string "block""#,
            "providers.yaml:1:53: limits: store_timeout_ms must be a number of milliseconds from 1 to 60000, found number 0",
        ])
    }

    @Test("the store is set at the top level only, not in an assistant's or a key's limits")
    func topLevelOnly() {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1, limits: {store: "redis://cache"}}
            """
        #expect(errorDescriptions(text).first?.hasPrefix("providers.yaml:4:53: unknown key 'store' in assistant 'default' under 'limits'") == true)
    }
}
