import Testing

@testable import PatchbayRateLimit

@Suite("RateLimitKey")
struct RateLimitKeyTests {
    @Test("the API key id wins over the address; an empty one does not count")
    func apiKeyFirst() {
        #expect(RateLimitKey.caller(apiKeyID: "k_123", clientAddress: "203.0.113.9") == "key:k_123")
        #expect(RateLimitKey.caller(apiKeyID: "", clientAddress: "203.0.113.9") == "addr:203.0.113.9")
        #expect(RateLimitKey.caller(apiKeyID: nil, clientAddress: "203.0.113.9") == "addr:203.0.113.9")
    }

    @Test("an IPv6 caller is its /64: rotating the interface bits changes nothing")
    func ipv6Prefix() {
        let one = RateLimitKey.caller(apiKeyID: nil, clientAddress: "2001:db8:1:2:aaaa:bbbb:cccc:dddd")
        let other = RateLimitKey.caller(apiKeyID: nil, clientAddress: "2001:0DB8:1:2::1")
        let bracketed = RateLimitKey.caller(apiKeyID: nil, clientAddress: "[2001:db8:1:2::42%eth0]")
        #expect(one == "addr:2001:db8:1:2:0:0:0:0/64")
        #expect(other == one)
        #expect(bracketed == one)
        #expect(RateLimitKey.caller(apiKeyID: nil, clientAddress: "2001:db8:1:3::1") != one)
    }

    @Test("other prefix lengths, including partial groups")
    func otherPrefixes() {
        #expect(RateLimitKey.normalizedAddress("2001:db8:ffff::1", ipv6PrefixLength: 40) == "2001:db8:ff00:0:0:0:0:0/40")
        #expect(RateLimitKey.normalizedAddress("::1", ipv6PrefixLength: 128) == "0:0:0:0:0:0:0:1")
        #expect(RateLimitKey.normalizedAddress("fe80::1", ipv6PrefixLength: 0) == "0:0:0:0:0:0:0:0/0")
    }

    @Test("IPv4-mapped and embedded forms count as the IPv4 address")
    func ipv4Forms() {
        #expect(RateLimitKey.normalizedAddress("::ffff:192.0.2.7", ipv6PrefixLength: 64) == "192.0.2.7")
        #expect(RateLimitKey.normalizedAddress("::ffff:c000:0207", ipv6PrefixLength: 64) == "192.0.2.7")
        #expect(RateLimitKey.normalizedAddress("64:ff9b::192.0.2.7", ipv6PrefixLength: 128) == "64:ff9b:0:0:0:0:c000:207")
    }

    @Test("text that is not an IP address is kept as it is", arguments: ["unix", "1.2.3", "1.2.3.256", "1::2::3", "1:2:3:4:5:6:7:8:9", ":1:2:3:4:5:6:7", "12345::", "::1.2.3"])
    func notAnAddress(text: String) {
        #expect(RateLimitKey.normalizedAddress(text, ipv6PrefixLength: 64) == text)
    }

    @Test("scoped keys cannot collide")
    func scoped() {
        #expect(RateLimitKey.scoped("key:k", assistant: "support") == "assistant:7:support|key:k")
        #expect(RateLimitKey.scoped("b|key:k", assistant: "a") != RateLimitKey.scoped("key:k", assistant: "a|b"))
    }
}
