import Foundation
import PatchbayConfig
import Testing

/// `server.admin:`, the admin listener's address.
@Suite("The admin listener's settings")
struct AdminListenerSettingsTests {
    func admin(_ text: String, source: String = "providers.yaml") throws -> AdminListenerSettings {
        try ConfigurationReader.parse(fileWithAssistants(text), source: source, environment: [:]).server.admin
    }

    @Test("absent, it is 127.0.0.1:9091, off the public port")
    func defaults() throws {
        let settings = try admin("")
        #expect(settings.address == .tcp(host: "127.0.0.1", port: 9091))
        #expect(settings.address.description == "http://127.0.0.1:9091")
        #expect(!settings.onPublicPort)
    }

    @Test("a host and port, or a socket read relative to the file, and on_public_port")
    func addresses() throws {
        #expect(try admin("server: {admin: {host: 10.0.0.5, port: 9200}}").address == .tcp(host: "10.0.0.5", port: 9200))
        #expect(try admin("server: {admin: {port: 9200, on_public_port: true}}") == AdminListenerSettings(address: .tcp(host: "127.0.0.1", port: 9200), onPublicPort: true))
        #expect(try admin("server: {admin: {socket: ./run/admin.sock}}", source: "/etc/patchbay/providers.yaml").address == .socket(path: "/etc/patchbay/run/admin.sock"))
        #expect(try admin("server: {admin: {socket: /run/patchbay.sock}}", source: "/etc/patchbay/providers.yaml").address.description == "unix:/run/patchbay.sock")
    }

    @Test("a typo, a bad port, a socket beside a port and the public address are located errors")
    func mistakes() {
        let lines = "server:\n  admin:\n    prot: 9200\n"
        #expect(errorDescriptions(fileWithAssistants(lines)) == [
            "providers.yaml:8:5: unknown key 'prot' in section 'server.admin' (did you mean 'port'?); known keys: host, port, socket, on_public_port"
        ])
        #expect(errorDescriptions(fileWithAssistants("server: {admin: {port: 70000}}")) == [
            "providers.yaml:6:24: server.admin: port must be an integer from 1 to 65535, found number 70000"
        ])
        #expect(errorDescriptions(fileWithAssistants("server: {admin: {port: 9200, socket: /run/a.sock}}")) == [
            "providers.yaml:6:18: server.admin: 'port' and 'socket' cannot both be set: the admin listener is a TCP address or a Unix socket"
        ])
        #expect(errorDescriptions(fileWithAssistants("server: {port: 9300, admin: {port: 9300}}")) == [
            "providers.yaml:6:36: server.admin: the admin listener must not share the public listener's address 127.0.0.1:9300; choose another port"
        ])
        #expect(errorDescriptions(fileWithAssistants("server: {admin: 9091}")) == [
            "providers.yaml:6:17: 'admin' must be a mapping with keys host and port, or socket (a path), and on_public_port, found number 9091"
        ])
        let long = "/" + String(repeating: "s", count: 110)
        #expect(errorDescriptions(fileWithAssistants("server: {admin: {socket: \(long)}}")).first?.hasPrefix(
            "providers.yaml:6:26: server.admin: socket must be a socket path of at most 107 bytes") == true)
    }
}

/// `server.tls:`, HTTPS on the public listener.
@Suite("The TLS settings")
struct TLSSettingsTests {
    @Test("both paths, read relative to the file; absent or null, no TLS")
    func paths() throws {
        let text = fileWithAssistants("server: {tls: {certificate: ./tls/cert.pem, private_key: /etc/keys/key.pem}}")
        let tls = try ConfigurationReader.parse(text, source: "/srv/patchbay/providers.yaml", environment: [:]).server.tls
        #expect(tls == TLSSettings(certificatePath: "/srv/patchbay/tls/cert.pem", privateKeyPath: "/etc/keys/key.pem"))
        #expect(try ConfigurationReader.parse(fileWithAssistants("server: {tls: ~}"), source: "providers.yaml", environment: [:]).server.tls == nil)
        #expect(try ConfigurationReader.parse(fileWithAssistants(""), source: "providers.yaml", environment: [:]).server.tls == nil)
    }

    @Test("a missing path or a typo is a located error")
    func mistakes() {
        #expect(errorDescriptions(fileWithAssistants("server:\n  tls:\n    certificate: a.pem\n    privte_key: a.key\n")) == [
            "providers.yaml:7:3: server.tls is missing required key 'private_key'",
            "providers.yaml:9:5: unknown key 'privte_key' in section 'server.tls' (did you mean 'private_key'?); known keys: certificate, private_key",
        ])
    }
}
