/// Where the HTTP server listens (the `server:` section).
public struct ServerSettings: Sendable {
    /// The address to bind; `127.0.0.1` unless the file says otherwise.
    public var host: String
    /// The TCP port, 1...65535; `8080` unless the file or the `PORT` environment variable says otherwise.
    public var port: Int

    /// The default host, `127.0.0.1`: local only until someone decides otherwise.
    public static let defaultHost = "127.0.0.1"
    /// The default port, `8080`.
    public static let defaultPort = 8080

    /// Creates server settings.
    public init(host: String = ServerSettings.defaultHost, port: Int = ServerSettings.defaultPort) {
        self.host = host
        self.port = port
    }
}
