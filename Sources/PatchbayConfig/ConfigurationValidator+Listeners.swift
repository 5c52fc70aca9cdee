/// `server.admin:`, the admin listener, and `server.tls:`, HTTPS on the public one.
extension ConfigurationValidator {
    static let adminKeys = ["host", "port", "socket", "on_public_port"]
    static let tlsKeys = ["certificate", "private_key"]

    /// The `server.tls:` section: both paths, resolved against the file's folder; nil when absent or wrong (reported).
    mutating func tls(_ section: Field) -> TLSSettings? {
        let shape = "a mapping with keys certificate and private_key (paths to PEM files)"
        guard let entries = self.sectionEntries(section, shape: shape) else { return nil }
        if section.value.isNull { return nil }
        let scope = Scope(placement: "in section 'server.tls'", prefix: "server.tls: ")
        let fields = self.knownFields(of: entries, in: scope, known: Self.tlsKeys)
        var paths: [String] = []
        for key in Self.tlsKeys {
            guard let field = fields[key]?.unlessNull else {
                self.report(.missingKey, at: section.key.location, "server.tls is missing required key '\(key)'")
                continue
            }
            if let path = self.string(field, in: scope) { paths.append(ConfigurationPath.resolve(path, relativeTo: self.source)) }
        }
        guard paths.count == 2 else { return nil }
        return TLSSettings(certificatePath: paths[0], privateKeyPath: paths[1])
    }

    /// The `server.admin:` section; `public` is the public listener, already read, so that the
    /// two are not given the same address.
    mutating func adminListener(_ section: Field, public server: ServerSettings) -> AdminListenerSettings {
        var settings = AdminListenerSettings()
        let shape = "a mapping with keys host and port, or socket (a path), and on_public_port"
        guard let entries = self.sectionEntries(section, shape: shape) else { return settings }
        let scope = Scope(placement: "in section 'server.admin'", prefix: "server.admin: ")
        let fields = self.knownFields(of: entries, in: scope, known: Self.adminKeys)
        if let onPublicPort = self.boolean(fields["on_public_port"]?.unlessNull, in: scope) {
            settings.onPublicPort = onPublicPort
        }
        let host = self.string(fields["host"]?.unlessNull, in: scope)
        let port = self.integer(fields["port"]?.unlessNull, in: scope, range: 1...65535, expected: "an integer from 1 to 65535")
        if let socketField = fields["socket"]?.unlessNull {
            if let tcp = fields["host"]?.unlessNull ?? fields["port"]?.unlessNull {
                self.report(.invalidValue, at: tcp.key.location,
                            "server.admin: '\(tcp.name)' and 'socket' cannot both be set: the admin listener is a TCP address or a Unix socket")
            }
            if let path = self.string(socketField, in: scope) {
                // sockaddr_un holds 108 bytes with the terminating zero.
                if ConfigurationPath.resolve(path, relativeTo: self.source).utf8.count > 107 {
                    self.reportInvalid(socketField, in: scope, expected: "a socket path of at most 107 bytes")
                } else {
                    settings.address = .socket(path: ConfigurationPath.resolve(path, relativeTo: self.source))
                }
            }
            return settings
        }
        let address = AdminListenerAddress.tcp(host: host ?? AdminListenerSettings.defaultHost, port: port ?? AdminListenerSettings.defaultPort)
        if case .tcp(let adminHost, let adminPort) = address, adminPort == server.port, adminHost == server.host {
            let location = fields["port"]?.value.location ?? fields["host"]?.value.location ?? section.key.location
            self.report(.invalidValue, at: location,
                        "server.admin: the admin listener must not share the public listener's address \(adminHost):\(adminPort); choose another port")
        }
        settings.address = address
        return settings
    }
}
