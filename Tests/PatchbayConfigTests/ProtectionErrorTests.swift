#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import PatchbayConfig
import Testing

/// A valid file with `default` and `technical` assistants on the echo provider, then `extra`.
func fileWithAssistants(_ extra: String) -> String {
    """
    providers:
      echo: {plugin: echo}
    assistants:
      default: {provider: echo, model: echo-1}
      technical: {provider: echo, model: echo-2}
    \(extra)
    """
}

@Suite("Protection errors: server")
struct ServerProtectionErrorTests {
    @Test("cors_origins must be a list of strings")
    func corsOriginsShape() {
        #expect(errorDescriptions("server: {cors_origins: https://shop.example}\n") == [
            #"providers.yaml:1:24: server: cors_origins must be a list of origins, found string "https://shop.example""#
        ])
        #expect(errorDescriptions("server: {cors_origins: [https://a.example, 443]}\n") == [
            "providers.yaml:1:44: server: cors_origins[1] must be a non-empty string, found number 443"
        ])
    }

    @Test(
        "an origin is '*' or scheme://host[:port] with http or https and no path",
        arguments: [
            "https://shop.example/", "https://shop.example/app", "ftp://shop.example", "shop.example", "https://", "https://shop.example:0",
            "https://shop.example:65536", "https://shop.example:", "https://user@shop.example", "https://shop.example?x=1",
            "https://*.shop.example", "https://-shop.example", "https://shop..example", "http://[::1", "http://[10.0.0.1]", "**",
        ]
    )
    func badOrigin(origin: String) {
        #expect(errorDescriptions("server:\n  cors_origins: [\"\(origin)\"]\n") == [
            #"providers.yaml:2:18: server: cors_origins[0] must be "*" or an origin such as https://shop.example (http or https, a host and an optional port, no path), found string "# + "\"\(origin)\""
        ])
    }

    @Test("max_body_bytes is 1...16777216")
    func maxBodyBytes() {
        #expect(errorDescriptions("server: {max_body_bytes: 16777217}\n") == [
            "providers.yaml:1:26: server: max_body_bytes must be an integer from 1 to 16777216, found number 16777217"
        ])
    }

    @Test("stream_buffer_bytes is 1024...1073741824, said where it is written")
    func streamBufferBytes() {
        #expect(errorDescriptions("server: {stream_buffer_bytes: 1023}\n") == [
            "providers.yaml:1:31: server: stream_buffer_bytes must be an integer from 1024 to 1073741824, found number 1023"
        ])
        #expect(errorDescriptions("server:\n  stream_buffer_bytes: lots\n") == [
            #"providers.yaml:2:24: server: stream_buffer_bytes must be an integer from 1024 to 1073741824, found string "lots""#
        ])
    }

    @Test("trusted_proxies must be a list of addresses or CIDR blocks")
    func trustedProxiesShape() {
        #expect(errorDescriptions("server: {trusted_proxies: 10.0.0.0/8}\n") == [
            #"providers.yaml:1:27: server: trusted_proxies must be a list of IP addresses or CIDR blocks, found string "10.0.0.0/8""#
        ])
    }

    @Test("a trusted proxy that is not an address or a block says so")
    func trustedProxySyntax() {
        let text = """
            server:
              trusted_proxies: [10.0.0, "10.0.0.0/x", proxy.internal, 8]
            """
        #expect(errorDescriptions(text) == [
            #"providers.yaml:2:21: server: trusted_proxies[0] must be an IPv4 or IPv6 address or a CIDR block such as 10.0.0.0/8, found string "10.0.0""#,
            #"providers.yaml:2:29: server: trusted_proxies[1] must be an IPv4 or IPv6 address or a CIDR block such as 10.0.0.0/8, found string "10.0.0.0/x""#,
            #"providers.yaml:2:43: server: trusted_proxies[2] must be an IPv4 or IPv6 address or a CIDR block such as 10.0.0.0/8, found string "proxy.internal""#,
            "providers.yaml:2:59: server: trusted_proxies[3] must be a non-empty string, found number 8",
        ])
    }

    @Test("a prefix longer than the address is its own message")
    func trustedProxyPrefix() {
        let text = """
            server:
              trusted_proxies: [10.0.0.0/33, "2001:db8::/129"]
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:2:21: server: trusted_proxies[0]: prefix length 33 is too long for an IPv4 address (at most 32)",
            "providers.yaml:2:34: server: trusted_proxies[1]: prefix length 129 is too long for an IPv6 address (at most 128)",
        ])
    }

    @Test("message and stream limits are at least 1")
    func countLimits() {
        let text = """
            server:
              max_message_chars: 0
              max_messages: -1
              max_streams_per_caller: many
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:2:22: server: max_message_chars must be an integer of at least 1, found number 0",
            "providers.yaml:3:17: server: max_messages must be an integer of at least 1, found number -1",
            #"providers.yaml:4:27: server: max_streams_per_caller must be an integer of at least 1, found string "many""#,
        ])
    }

    @Test("timeouts are 1...3600000 milliseconds")
    func timeouts() {
        let text = """
            server:
              header_timeout_ms: 0
              body_timeout_ms: 3600001
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:2:22: server: header_timeout_ms must be a number of milliseconds from 1 to 3600000, found number 0",
            "providers.yaml:3:20: server: body_timeout_ms must be a number of milliseconds from 1 to 3600000, found number 3600001",
        ])
    }

    @Test("strict_transport_security needs a max-age and a single line")
    func strictTransportSecurity() {
        let expected = #"must be a header value with a max-age directive, such as "max-age=63072000; includeSubDomains""#
        #expect(errorDescriptions("server: {strict_transport_security: includeSubDomains}\n") == [
            #"providers.yaml:1:37: server: strict_transport_security \#(expected), found string "includeSubDomains""#
        ])
        #expect(errorDescriptions("server: {strict_transport_security: \"max-age=1\\r\\nX-Evil: 1\"}\n") == [
            #"providers.yaml:1:37: server: strict_transport_security \#(expected), found string "max-age=1\r\nX-Evil: 1""#
        ])
        #expect(errorDescriptions("server: {strict_transport_security: \"max-age=\"}\n").count == 1)
        #expect(errorDescriptions("server: {strict_transport_security: \"\"}\n") == [
            #"providers.yaml:1:37: server: strict_transport_security must be a non-empty string, found string """#
        ])
    }
}

@Suite("Protection errors: auth")
struct AuthErrorTests {
    @Test("auth must be a mapping of known keys, and enabled a bool")
    func authShape() {
        #expect(errorDescriptions("auth: [widget]\n") == [
            "providers.yaml:1:7: 'auth' must be a mapping with keys enabled, keys, max_failures_per_minute, found list"
        ])
        #expect(errorDescriptions("auth: {enabled: yes, key: []}\n") == [
            #"providers.yaml:1:17: auth: enabled must be true or false, found string "yes""#,
            "providers.yaml:1:22: unknown key 'key' in section 'auth' (did you mean 'keys'?); known keys: enabled, keys, max_failures_per_minute",
        ])
    }

    @Test("keys must be a list of mappings")
    func keysShape() {
        #expect(errorDescriptions("auth: {keys: {id: a, key_env: A}}\n") == [
            "providers.yaml:1:14: auth: keys must be a list of keys, each with an id and a sha256 or key_env, found mapping"
        ])
        #expect(errorDescriptions("auth:\n  keys: [widget]\n") == [
            #"providers.yaml:2:10: auth.keys[0] must be a mapping with keys id, sha256, key_env, assistants, limits, admin, found string "widget""#
        ])
    }

    @Test("an unknown key in a key entry suggests the closest one")
    func unknownKeyField() {
        let text = """
            auth:
              keys:
                - {id: widget, sha265: \(String(repeating: "a", count: 64))}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:3:7: auth key 'widget' must have one of 'sha256' or 'key_env'",
            "providers.yaml:3:20: unknown key 'sha265' in auth key 'widget' (did you mean 'sha256'?); known keys: id, sha256, key_env, assistants, limits, admin",
        ])
    }

    @Test("every key needs an id, of letters, digits, '.', '_' or '-'")
    func ids() {
        let text = """
            auth:
              keys:
                - key_env: A
                - {id: "widget prod", key_env: B}
                - {id: "\(String(repeating: "x", count: 65))", key_env: C}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:3:7: auth.keys[0] is missing required key 'id'",
            #"providers.yaml:4:12: auth.keys[1]: id must be 1 to 64 letters, digits, '.', '_' or '-', found string "widget prod""#,
            #"providers.yaml:5:12: auth.keys[2]: id must be 1 to 64 letters, digits, '.', '_' or '-', found string "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…""#,
        ])
        #expect(errors(text).map(\.kind) == [.missingKey, .invalidValue, .invalidValue])
    }

    @Test("ids are unique")
    func duplicateIDs() {
        let text = """
            auth:
              keys:
                - {id: widget, key_env: A}
                - {id: widget, key_env: B}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:4:12: duplicate auth key id 'widget' (first defined at line 3)"
        ])
        #expect(errors(text).first?.kind == .duplicateKey)
    }

    @Test("a key has exactly one of sha256 and key_env")
    func exactlyOneSecret() {
        let text = """
            auth:
              keys:
                - id: neither
                  assistants: ~
                - id: both
                  key_env: BOTH_KEY
                  sha256: \(String(repeating: "0", count: 64))
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:3:7: auth key 'neither' must have one of 'sha256' or 'key_env'",
            "providers.yaml:7:7: auth key 'both' must have only one of 'sha256' and 'key_env', found both",
        ])
        #expect(errors(text).map(\.kind) == [.missingKey, .invalidValue])
    }

    @Test("a bad sha256 or key_env never shows what was written: it may be the key itself")
    func secretsStayOut() {
        let secret = "sk-widget-LIVE-0123456789"
        let text = """
            auth:
              keys:
                - {id: a, sha256: \(secret)}
                - {id: b, sha256: "\(String(repeating: "g", count: 64))"}
                - {id: c, sha256: [x]}
                - {id: d, key_env: \(secret)}
                - {id: e, key_env: 1KEY}
            """
        let found = errorDescriptions(text)
        #expect(found == [
            "providers.yaml:3:23: auth key 'a': sha256 must be 64 hexadecimal characters",
            "providers.yaml:4:23: auth key 'b': sha256 must be 64 hexadecimal characters",
            "providers.yaml:5:23: auth key 'c': sha256 must be 64 hexadecimal characters",
            "providers.yaml:6:24: auth key 'd': key_env must be the name of an environment variable: letters, digits and underscores, not starting with a digit",
            "providers.yaml:7:24: auth key 'e': key_env must be the name of an environment variable: letters, digits and underscores, not starting with a digit",
        ])
        #expect(!found.joined().contains(secret))
    }

    @Test("a digest in either case, even one YAML reads as a number, is accepted")
    func digestCases() throws {
        let digits = String(repeating: "1", count: 64)
        let text = """
            auth:
              keys:
                - {id: upper, sha256: \(String(repeating: "AB", count: 32))}
                - {id: digits, sha256: \(digits)}
            """
        let keys = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:]).auth.keys
        #expect(keys.map(\.sha256) == [[UInt8](repeating: 0xAB, count: 32), [UInt8](repeating: 0x11, count: 32)])
    }

    @Test("a key's assistants are a non-empty list of known assistant ids")
    func keyAssistants() {
        let text = fileWithAssistants("""
            auth:
              keys:
                - {id: a, key_env: A, assistants: default}
                - {id: b, key_env: B, assistants: []}
                - {id: c, key_env: C, assistants: [default, techincal, {x: 1}]}
            """)
        #expect(errorDescriptions(text) == [
            #"providers.yaml:8:39: auth key 'a': assistants must be a list of assistant ids, found string "default""#,
            "providers.yaml:9:39: auth key 'b': assistants must list at least one assistant id (leave it out to allow every assistant)",
            "providers.yaml:10:49: auth key 'c' uses assistant 'techincal'; known assistants: default, technical",
            "providers.yaml:10:60: auth key 'c': assistants[2] must be an assistant id, found mapping",
        ])
        #expect(errors(text).map(\.kind) == [.invalidValue, .invalidValue, .unknownAssistant, .invalidValue])
    }

    @Test("with no assistants section, every assistant a key names is unknown")
    func keyAssistantsWithoutAssistants() {
        #expect(errorDescriptions("auth:\n  keys: [{id: a, key_env: A, assistants: [default]}]\n") == [
            "providers.yaml:2:43: auth key 'a' uses assistant 'default'; known assistants: (none)"
        ])
        // A broken assistants section is its own error; keys are not blamed for it.
        #expect(errorDescriptions("assistants: [default]\nauth:\n  keys: [{id: a, key_env: A, assistants: [default]}]\n") == [
            "providers.yaml:1:13: 'assistants' must be a mapping from assistant ids to their settings, found list"
        ])
    }

    @Test("auth enabled with no usable key is an error at 'auth'")
    func noUsableKey() {
        #expect(errorDescriptions("auth: {enabled: true}\n") == [
            "providers.yaml:1:1: auth is enabled but no key can be used: no keys are listed under 'keys'"
        ])
        let text = """
            limits: {burst: 2}
            auth:
              enabled: true
              keys:
                - {id: a, key_env: WIDGET_A}
                - {id: b, key_env: WIDGET_B}
                - {id: c, key_env: WIDGET_A}
            """
        #expect(errorDescriptions(text, environment: ["WIDGET_B": ""]) == [
            "providers.yaml:2:1: auth is enabled but no key can be used: every key comes from an unset or empty environment variable (WIDGET_A, WIDGET_B)"
        ])
        #expect(errorDescriptions(text, environment: ["WIDGET_B": "wb"]) == [])
        // Disabled, the same keys are fine.
        #expect(errorDescriptions(text.replacingOccurrences(of: "enabled: true", with: "enabled: false")) == [])
    }

    @Test("a key with its own error does not also make 'no key can be used'")
    func noUsableKeyAfterErrors() {
        #expect(errorDescriptions("auth:\n  enabled: true\n  keys: [{id: a, sha256: abc}]\n") == [
            "providers.yaml:3:26: auth key 'a': sha256 must be 64 hexadecimal characters"
        ])
    }
}

@Suite("Protection errors: limits and logging")
struct LimitsAndLoggingErrorTests {
    @Test("top-level limits: a mapping of known keys, each at least 1")
    func topLevelLimits() {
        #expect(errorDescriptions("limits: 60\n") == [
            "providers.yaml:1:9: 'limits' must be a mapping with keys requests_per_minute, requests_per_hour, requests_per_day, tokens_per_day, burst, websocket_connections_per_minute, store, on_store_failure, store_timeout_ms, found number 60"
        ])
        let text = """
            limits:
              requests_per_minute: 0
              requests_per_hour: 1.5
              requests_per_day: -3
              tokens_per_day: lots
              burst: false
              requests_per_second: 1
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:2:24: limits: requests_per_minute must be an integer of at least 1, found number 0",
            "providers.yaml:3:22: limits: requests_per_hour must be an integer of at least 1, found number 1.5",
            "providers.yaml:4:21: limits: requests_per_day must be an integer of at least 1, found number -3",
            #"providers.yaml:5:19: limits: tokens_per_day must be an integer of at least 1, found string "lots""#,
            "providers.yaml:6:10: limits: burst must be an integer of at least 1, found bool false",
            "providers.yaml:7:3: unknown key 'requests_per_second' in section 'limits'; known keys: requests_per_minute, requests_per_hour, requests_per_day, tokens_per_day, burst, websocket_connections_per_minute, store, on_store_failure, store_timeout_ms",
        ])
    }

    @Test("an assistant's limits name the assistant")
    func assistantLimits() {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              technical:
                provider: echo
                model: echo-1
                limits: {requests_per_minute: 0, brust: 2}
              demo: {provider: echo, model: echo-1, limits: [10]}
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:7:35: assistant 'technical': limits.requests_per_minute must be an integer of at least 1, found number 0",
            "providers.yaml:7:38: unknown key 'brust' in assistant 'technical' under 'limits' (did you mean 'burst'?); known keys: requests_per_minute, requests_per_hour, requests_per_day, tokens_per_day, burst",
            "providers.yaml:8:49: assistant 'demo': limits must be a mapping with keys requests_per_minute, requests_per_hour, requests_per_day, tokens_per_day, burst, found list",
        ])
    }

    @Test("a key's limits name the key")
    func keyLimits() {
        #expect(errorDescriptions("auth:\n  keys: [{id: a, key_env: A, limits: {burst: 0}}]\n") == [
            "providers.yaml:2:46: auth key 'a': limits.burst must be an integer of at least 1, found number 0"
        ])
    }

    @Test("logging: a known level and format, and a bool opt-in")
    func logging() {
        let text = """
            logging:
              level: verbose
              format: yaml
              include_message_text: "yes"
              colour: true
            """
        #expect(errorDescriptions(text) == [
            #"providers.yaml:2:10: logging: level must be one of trace, debug, info, notice, warning, error, critical, found string "verbose""#,
            #"providers.yaml:3:11: logging: format must be json or text, found string "yaml""#,
            #"providers.yaml:4:25: logging: include_message_text must be true or false, found string "yes""#,
            "providers.yaml:5:3: unknown key 'colour' in section 'logging'; known keys: level, format, include_message_text",
        ])
        #expect(errorDescriptions("logging: text\n") == [
            #"providers.yaml:1:10: 'logging' must be a mapping with keys level, format, include_message_text, found string "text""#
        ])
    }
}
