import PatchbayConfig
import PatchbayRateLimit
import Testing

/// The protection vocabulary as the issue writes it, with a second key known by its digest.
let protectedConfiguration = """
    server:
      host: 127.0.0.1
      port: 8080
      cors_origins: [https://shop.example]
      max_body_bytes: 262144
      trusted_proxies: [10.0.0.0/8, 127.0.0.1]
      max_message_chars: 32000
      max_messages: 200
      header_timeout_ms: 10000
      body_timeout_ms: 30000
      max_streams_per_caller: 8
      strict_transport_security: "max-age=63072000; includeSubDomains"
    auth:
      enabled: true
      keys:
        - id: widget-prod
          key_env: WIDGET_PROD_KEY
          assistants: [default]
          limits: {requests_per_minute: 30}
        - id: backoffice
          sha256: 4311fc3f64088634bd75ecd41e3c7d21b3e00aff9db7653a51393de68751ab6d
    limits:
      requests_per_minute: 60
      requests_per_hour: 1000
      requests_per_day: 5000
      tokens_per_day: 100000
      burst: 20
    providers:
      echo: {plugin: echo}
    assistants:
      default: {provider: echo, model: echo-1}
      technical:
        provider: echo
        model: echo-2
        limits: {requests_per_minute: 10}
    logging:
      level: info
      format: json
      include_message_text: false

    """

/// SHA-256 of "backoffice-secret".
let backofficeDigest: [UInt8] = [
    0x43, 0x11, 0xFC, 0x3F, 0x64, 0x08, 0x86, 0x34, 0xBD, 0x75, 0xEC, 0xD4, 0x1E, 0x3C, 0x7D, 0x21,
    0xB3, 0xE0, 0x0A, 0xFF, 0x9D, 0xB7, 0x65, 0x3A, 0x51, 0x39, 0x3D, 0xE6, 0x87, 0x51, 0xAB, 0x6D,
]

@Suite("Protection settings")
struct ProtectionSettingsTests {
    static func parse(_ text: String, environment: [String: String] = [:]) throws -> PatchbayConfiguration {
        try ConfigurationReader.parse(text, source: "providers.yaml", environment: environment)
    }

    @Test("stream_buffer_bytes reads as written, and is 1 MiB when absent")
    func streamBufferBytes() throws {
        let written = try Self.parse("server: {stream_buffer_bytes: 65536}\n").server
        let absent = try Self.parse("server: {port: 8080}\n").server
        #expect(written.streamBufferBytes == 65_536)
        #expect(absent.streamBufferBytes == 1_048_576)
    }

    @Test("the issue's example reads to the values it writes")
    func example() throws {
        let configuration = try Self.parse(protectedConfiguration, environment: ["WIDGET_PROD_KEY": "wk-live-123"])
        let server = configuration.server
        #expect(server.host == "127.0.0.1")
        #expect(server.port == 8080)
        #expect(server.corsOrigins == ["https://shop.example"])
        #expect(server.maxBodyBytes == 262_144)
        #expect(server.trustedProxies == [IPNetwork("10.0.0.0/8"), IPNetwork("127.0.0.1")].compactMap { $0 })
        #expect(server.trustedProxies.map(\.description) == ["10.0.0.0/8", "127.0.0.1/32"])
        #expect(server.maxMessageChars == 32_000)
        #expect(server.maxMessages == 200)
        #expect(server.headerTimeoutMilliseconds == 10_000)
        #expect(server.bodyTimeoutMilliseconds == 30_000)
        #expect(server.maxStreamsPerCaller == 8)
        #expect(server.strictTransportSecurity == "max-age=63072000; includeSubDomains")

        #expect(configuration.auth.enabled)
        #expect(configuration.auth.keys.map(\.id) == ["widget-prod", "backoffice"])
        let widget = try #require(configuration.auth.keys.first)
        #expect(widget.keyEnv == "WIDGET_PROD_KEY")
        #expect(widget.keyFromEnvironment == "wk-live-123")
        #expect(widget.sha256 == nil)
        #expect(widget.isUsable)
        #expect(widget.assistants == ["default"])
        #expect(widget.limits == RateLimitPolicy(requestsPerMinute: 30))
        #expect(widget.location.description == "providers.yaml:16:7")
        let backoffice = configuration.auth.keys[1]
        #expect(backoffice.sha256 == backofficeDigest)
        #expect(backoffice.keyEnv == nil)
        #expect(backoffice.keyFromEnvironment == nil)
        #expect(backoffice.assistants == nil)
        #expect(backoffice.limits.isUnlimited)
        #expect(backoffice.isUsable)

        #expect(configuration.limits == RateLimitPolicy(requestsPerMinute: 60, requestsPerHour: 1000, requestsPerDay: 5000, tokensPerDay: 100_000, burst: 20))
        #expect(!configuration.limits.isUnlimited)
        #expect(configuration.assistant(id: "technical")?.limits == RateLimitPolicy(requestsPerMinute: 10))
        #expect(configuration.assistant(id: "default")?.limits.isUnlimited == true)

        #expect(configuration.logging.level == "info")
        #expect(configuration.logging.format == .json)
        #expect(!configuration.logging.includeMessageText)
    }

    @Test("with its variable unset or empty, a key_env key is disabled, which is not an error", arguments: [[:], ["WIDGET_PROD_KEY": ""]])
    func unsetKeyVariable(environment: [String: String]) throws {
        let configuration = try Self.parse(protectedConfiguration, environment: environment)
        let widget = try #require(configuration.auth.keys.first)
        #expect(widget.keyFromEnvironment == nil)
        #expect(!widget.isUsable)
        #expect(configuration.auth.keys[1].isUsable)
    }

    @Test("no description or dump of a key shows the key itself")
    func keysStayHidden() throws {
        let configuration = try Self.parse(protectedConfiguration, environment: ["WIDGET_PROD_KEY": "wk-live-123"])
        let widget = try #require(configuration.auth.keys.first)
        #expect(widget.description == "API key 'widget-prod' (from WIDGET_PROD_KEY, set)")
        #expect(configuration.auth.keys[1].description == "API key 'backoffice' (sha256)")
        var dumped = ""
        dump(configuration.auth, to: &dumped)
        #expect(dumped.contains("widget-prod"))
        #expect(!dumped.contains("wk-live-123"))
        #expect(!String(describing: configuration.auth).contains("wk-live-123"))
        #expect(!String(reflecting: widget).contains("wk-live-123"))
    }

    @Test("without the new sections, everything has its default")
    func defaults() throws {
        let configuration = try Self.parse(exampleConfiguration)
        let server = configuration.server
        #expect(server.corsOrigins == [])
        #expect(server.maxBodyBytes == 262_144)
        #expect(server.trustedProxies == [])
        #expect(server.maxMessageChars == 32_000)
        #expect(server.maxMessages == 200)
        #expect(server.headerTimeoutMilliseconds == 10_000)
        #expect(server.bodyTimeoutMilliseconds == 30_000)
        #expect(server.maxStreamsPerCaller == nil)
        #expect(server.strictTransportSecurity == nil)
        #expect(!configuration.auth.enabled)
        #expect(configuration.auth.keys.isEmpty)
        #expect(configuration.limits.isUnlimited)
        #expect(configuration.limits == RateLimitPolicy())
        #expect(configuration.assistants.allSatisfy { $0.limits.isUnlimited })
        #expect(configuration.logging.level == "info")
        #expect(configuration.logging.format == .json)
        #expect(!configuration.logging.includeMessageText)
    }

    @Test("values other than the defaults are read; origins are written as browsers send them")
    func otherValues() throws {
        let text = """
            server:
              cors_origins: ["*", HTTPS://Shop.Example:443, "http://localhost:3000", "http://[::1]:8080", http://Example.com:80, https://127.0.0.1:8443]
              max_body_bytes: 16777216
              trusted_proxies: ["10.1.2.3/8", "2001:DB8::/32", "::1", 0.0.0.0/0]
              max_message_chars: 1
              max_messages: 5
              header_timeout_ms: 1
              body_timeout_ms: 3600000
              max_streams_per_caller: 1
              strict_transport_security: max-age=0
            auth:
              enabled: false
              keys:
                - {id: 007, key_env: K, limits: {burst: 1, tokens_per_day: 2}}
            limits: {requests_per_day: 1}
            logging: {level: DEBUG, format: text, include_message_text: true}
            """
        let configuration = try Self.parse(text)
        let server = configuration.server
        #expect(server.corsOrigins == ["*", "https://shop.example", "http://localhost:3000", "http://[::1]:8080", "http://example.com", "https://127.0.0.1:8443"])
        #expect(server.maxBodyBytes == 16_777_216)
        #expect(server.trustedProxies.map(\.description) == ["10.0.0.0/8", "2001:db8::/32", "::1/128", "0.0.0.0/0"])
        #expect(server.maxMessageChars == 1)
        #expect(server.maxMessages == 5)
        #expect(server.headerTimeoutMilliseconds == 1)
        #expect(server.bodyTimeoutMilliseconds == 3_600_000)
        #expect(server.maxStreamsPerCaller == 1)
        #expect(server.strictTransportSecurity == "max-age=0")
        #expect(!configuration.auth.enabled)
        #expect(configuration.auth.keys.map(\.id) == ["007"])
        #expect(configuration.auth.keys.first?.limits == RateLimitPolicy(tokensPerDay: 2, burst: 1))
        #expect(configuration.limits == RateLimitPolicy(requestsPerDay: 1))
        #expect(configuration.logging.level == "debug")
        #expect(configuration.logging.format == .text)
        #expect(configuration.logging.includeMessageText)
    }

    @Test("null values mean 'not set'")
    func nulls() throws {
        let text = """
            server: {cors_origins: ~, trusted_proxies: ~, strict_transport_security: ~}
            auth: {enabled: ~, keys: ~}
            limits:
            logging: {level: ~}
            """
        let configuration = try Self.parse(text)
        #expect(configuration.server.corsOrigins == [])
        #expect(configuration.server.strictTransportSecurity == nil)
        #expect(!configuration.auth.enabled)
        #expect(configuration.limits.isUnlimited)
        #expect(configuration.logging.level == "info")
    }
}

@Suite("Protection environment overrides")
struct ProtectionEnvironmentTests {
    @Test("ALLOWED_ORIGINS replaces the file's origins; spaces and empty entries are ignored")
    func allowedOrigins() throws {
        let configuration = try ConfigurationReader.parse(
            protectedConfiguration, source: "providers.yaml", environment: ["ALLOWED_ORIGINS": " https://a.example, ,HTTP://B.example:8080 ,"]
        )
        #expect(configuration.server.corsOrigins == ["https://a.example", "http://b.example:8080"])
        let star = try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: ["ALLOWED_ORIGINS": "*"])
        #expect(star.server.corsOrigins == ["*"])
    }

    @Test("an empty ALLOWED_ORIGINS or LOG_LEVEL is ignored", arguments: ["", " , "])
    func emptyOverrides(value: String) throws {
        let configuration = try ConfigurationReader.parse(
            protectedConfiguration, source: "providers.yaml", environment: ["ALLOWED_ORIGINS": value, "LOG_LEVEL": ""]
        )
        #expect(configuration.server.corsOrigins == ["https://shop.example"])
    }

    @Test("LOG_LEVEL replaces the file's level, in any case")
    func logLevel() throws {
        let configuration = try ConfigurationReader.parse(protectedConfiguration, source: "providers.yaml", environment: ["LOG_LEVEL": "WARNING"])
        #expect(configuration.logging.level == "warning")
        #expect(try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: ["LOG_LEVEL": "trace"]).logging.level == "trace")
        #expect(try ConfigurationReader.parse(exampleConfiguration, source: "providers.yaml", environment: ["LOG_LEVEL": ""]).logging.level == "info")
    }

    @Test("a bad ALLOWED_ORIGINS entry or LOG_LEVEL is an error without a location, after PORT's")
    func badOverrides() {
        let environment = ["PORT": "x", "ALLOWED_ORIGINS": "https://a.example,https://b.example/app", "LOG_LEVEL": "verbose"]
        #expect(errorDescriptions(exampleConfiguration, environment: environment) == [
            #"the PORT environment variable must be an integer from 1 to 65535, found "x""#,
            #"the ALLOWED_ORIGINS environment variable must be a comma-separated list of "*" or an origin such as https://shop.example (http or https, a host and an optional port, no path), found "https://b.example/app""#,
            #"the LOG_LEVEL environment variable must be one of trace, debug, info, notice, warning, error, critical, found "verbose""#,
        ])
        #expect(errors(exampleConfiguration, environment: environment).map(\.kind) == [.invalidEnvironment, .invalidEnvironment, .invalidEnvironment])
    }
}
