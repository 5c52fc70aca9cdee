/// Where the admin listener accepts connections: `/admin/*` and `/metrics` (the `server.admin:` section).
public enum AdminListenerAddress: Sendable, Equatable, CustomStringConvertible {
    /// A TCP address (`host:` and `port:`); port 0 binds any free port (tests).
    case tcp(host: String, port: Int)
    /// A Unix domain socket (`socket:`): who may connect is the file's permissions.
    case socket(path: String)

    /// `http://127.0.0.1:9091`, `unix:/run/patchbay/admin.sock`: as the start-up log line and
    /// `patchbay reload` say it.
    public var description: String {
        switch self {
        case .tcp(let host, let port): "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .socket(let path): "unix:\(path)"
        }
    }
}

/// The admin listener: a second HTTP listener, off the public port, for what only operators
/// call (`server.admin:`).
public struct AdminListenerSettings: Sendable, Equatable {
    /// Where it listens; `127.0.0.1:9091` by default.
    public var address: AdminListenerAddress
    /// Whether the public port serves the admin routes too (`on_public_port:`, default false):
    /// for deployments that cannot reach a second port. There they keep their guard: an admin
    /// key with auth on, a caller on this machine without.
    public var onPublicPort: Bool

    /// The default host, `127.0.0.1`: the admin listener is private by placement.
    public static let defaultHost = "127.0.0.1"
    /// The default port, `9091`.
    public static let defaultPort = 9091

    /// Creates admin listener settings.
    public init(address: AdminListenerAddress = .tcp(host: defaultHost, port: defaultPort), onPublicPort: Bool = false) {
        self.address = address
        self.onPublicPort = onPublicPort
    }
}

/// HTTPS on the public listener (the `server.tls:` section): the certificate chain and private
/// key, PEM files, read at start-up and again at every reload (SIGHUP, `patchbay reload`).
public struct TLSSettings: Sendable, Equatable {
    /// The certificate chain's PEM file (the server's certificate first), resolved against providers.yaml's folder.
    public var certificatePath: String
    /// The private key's PEM file, resolved against providers.yaml's folder.
    public var privateKeyPath: String

    /// Creates TLS settings.
    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}
