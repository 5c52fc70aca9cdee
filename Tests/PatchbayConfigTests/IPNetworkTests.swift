import PatchbayConfig
import Testing

@Suite("IP networks")
struct IPNetworkTests {
    @Test("an IPv4 CIDR block holds exactly the addresses under its prefix")
    func ipv4() throws {
        let network = try #require(IPNetwork("10.0.0.0/8"))
        #expect(network.isIPv4)
        #expect(network.prefixLength == 8)
        #expect(network.contains("10.0.0.0"))
        #expect(network.contains("10.255.255.255"))
        #expect(!network.contains("11.0.0.0"))
        #expect(!network.contains("9.255.255.255"))
        let odd = try #require(IPNetwork("192.168.1.128/25"))
        #expect(odd.contains("192.168.1.200"))
        #expect(!odd.contains("192.168.1.127"))
    }

    @Test("a bare address, /32 and /128 hold one address")
    func singleAddresses() throws {
        let bare = try #require(IPNetwork("127.0.0.1"))
        #expect(bare == IPNetwork("127.0.0.1/32"))
        #expect(bare.prefixLength == 32)
        #expect(bare.contains("127.0.0.1"))
        #expect(!bare.contains("127.0.0.2"))
        let six = try #require(IPNetwork("::1/128"))
        #expect(six == IPNetwork("::1"))
        #expect(six.contains("::1"))
        #expect(six.contains("0:0:0:0:0:0:0:1"))
        #expect(!six.contains("::2"))
    }

    @Test("/0 holds every address of its family, and only of its family")
    func everything() throws {
        let v4 = try #require(IPNetwork("0.0.0.0/0"))
        #expect(v4.contains("1.2.3.4"))
        #expect(v4.contains("255.255.255.255"))
        #expect(!v4.contains("2001:db8::1"))
        let v6 = try #require(IPNetwork("::/0"))
        #expect(v6.contains("2001:db8::1"))
        #expect(v6.contains("::"))
        #expect(!v6.contains("1.2.3.4"))
    }

    @Test("IPv6 networks match by prefix, in any spelling")
    func ipv6() throws {
        let network = try #require(IPNetwork("2001:DB8::/32"))
        #expect(!network.isIPv4)
        #expect(network.description == "2001:db8::/32")
        #expect(network.contains("2001:db8:ffff::1"))
        #expect(network.contains("2001:0DB8:0000:0000:0000:0000:0000:0001"))
        #expect(!network.contains("2001:db9::1"))
        #expect(!network.contains("10.0.0.1"))
        let fiftySix = try #require(IPNetwork("fd00:1:2:3400::/56"))
        #expect(fiftySix.contains("fd00:1:2:34ff::1"))
        #expect(!fiftySix.contains("fd00:1:2:3500::1"))
        #expect(network.contains("[2001:db8::1]"))
        #expect(try #require(IPNetwork("fe80::/10")).contains("fe80::1%eth0"))
    }

    @Test("an IPv4-mapped IPv6 address matches IPv4 networks as the IPv4 address it stands for")
    func mappedIPv4() throws {
        let network = try #require(IPNetwork("10.0.0.0/8"))
        #expect(network.contains("::ffff:10.1.2.3"))
        #expect(network.contains("::FFFF:a01:203"))
        #expect(!network.contains("::ffff:11.1.2.3"))
        // Only the ::ffff:0:0/96 block stands for IPv4 addresses.
        #expect(!network.contains("::10.1.2.3"))
        #expect(!network.contains("64:ff9b::a01:203"))
        #expect(try #require(IPNetwork("::ffff:0:0/96")).contains("::ffff:10.1.2.3"))
        #expect(try #require(IPNetwork("::ffff:10.0.0.1")).description == "::ffff:10.0.0.1/128")
    }

    @Test("bits past the prefix are cleared")
    func hostBits() throws {
        #expect(IPNetwork("10.1.2.3/8") == IPNetwork("10.0.0.0/8"))
        #expect(IPNetwork("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(IPNetwork("2001:db8::1/32")?.description == "2001:db8::/32")
        #expect(IPNetwork("10.0.0.0/8") != IPNetwork("10.0.0.0/9"))
    }

    @Test(
        "garbage is not a network",
        arguments: [
            "", "10", "10.0.0", "10.0.0.0.0", "256.0.0.1", "01.2.3.4", "1.2.3.-4", " 10.0.0.1", "10.0.0.1 ", "10.0.0.0/", "10.0.0.0/33",
            "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/0008", "::/129", "1:2:3:4:5:6:7:8:9", "2001:db8:::1", "::1%eth0",
            "[::1]", "fe80::g", "localhost", "10.0.0.0/ 8", "１.2.3.4",
        ]
    )
    func garbage(text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test("garbage is in no network", arguments: ["", "10", "10.0.0.256", "not an address", "10.0.0.1/8", "::ffff:10.0.0.256", "[10.0.0.1]"])
    func garbageAddresses(text: String) throws {
        #expect(!(try #require(IPNetwork("0.0.0.0/0"))).contains(text))
        #expect(!(try #require(IPNetwork("::/0"))).contains(text))
    }
}
