import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import PatchbayConfig
import PatchbayPluginHost
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// `server.tls`: HTTPS on the public listener, HTTP/2 and HTTP/1.1 by ALPN, the certificate
/// re-read on reload, HSTS over TLS only. A real client against a real socket.
@Suite("HTTPS on the public listener", .timeLimit(.minutes(2)))
struct TLSTests {
    static let yaml = """
        plugins: {directory: ./plugins}
        server: {tls: {certificate: ./server.pem, private_key: ./server.key}}
        providers: {echo: {plugin: echo}}
        assistants: {default: {provider: echo, model: echo-1}}
        """
    static let chat = #"{"message":"over TLS at last","stream":true}"#

    /// A reloadable host over a deployment whose certificate, `server.pem`, has serial `serial`.
    func host(serial: String) async throws -> AdminReloadTests.ReloadableHost {
        let deployment = try EchoDeployment(config: Self.yaml)
        try await install(serial: serial, in: deployment)
        let logger = LogRecorder().logger()
        let libraries = PluginLibraryCache()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, environment: [:], libraries: libraries, logger: logger)
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false,
                                                             environment: { [:] }), logger: logger)
        return AdminReloadTests.ReloadableHost(deployment: deployment, host: host)
    }

    /// Writes a new certificate and key and renames them over `server.pem` and `server.key`.
    func install(serial: String, in deployment: EchoDeployment) async throws {
        let directory = deployment.directory.path
        let made = try await TestCertificate.make(in: directory, name: "new-\(serial)", serial: serial)
        // rename(2): each file is replaced at once, as deploy tools do.
        #expect(rename(made.certificate, "\(directory)/server.pem") == 0 && rename(made.privateKey, "\(directory)/server.key") == 0)
    }

    /// A client that trusts the deployment's certificate, and speaks `version`.
    func client(trusting deployment: EchoDeployment, version: HTTPClient.Configuration.HTTPVersion) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile("\(deployment.directory.path)/server.pem"))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = version
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    @Test("a streamed chat over HTTP/2 and over HTTP/1.1, each as negotiated, with HSTS")
    func streamedChat() async throws {
        let host = try await host(serial: "1111")
        try await host.live { port in
            for (version, expected) in [(HTTPClient.Configuration.HTTPVersion.automatic, "2.0"), (.http1Only, "1.1")] {
                let client = try client(trusting: host.deployment, version: version)
                do {
                    var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/api/chat")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: Self.chat))
                    let response = try await client.execute(request, timeout: .seconds(30))
                    #expect("\(response.version.major).\(response.version.minor)" == expected)
                    #expect(response.status == .ok)
                    #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true)
                    #expect(response.headers.first(name: "Strict-Transport-Security") == ServerSettings.defaultStrictTransportSecurity)
                    let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    // The echo plugin streams the words back, one event each, then the final event.
                    #expect(body.contains(#"data: {"content":"over"#), "\(body)")
                    #expect(body.contains(#""done":true"#))
                }
                try await client.shutdown()
            }
        }
    }

    @Test("the WebSocket door works over TLS (HTTP/1.1, as browsers open wss://)")
    func webSocketOverTLS() async throws {
        let host = try await host(serial: "3C3C")
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile("\(host.deployment.directory.path)/server.pem"))
        let trusted = tls
        try await host.live { port in
            try await withChatSocket(port: port, tls: trusted) { socket in
                try await socket.chat("secure", "hello over wss")
                let complete = try await socket.read("complete", id: "secure")
                #expect(complete.data("response") as? String == "hello over wss", "\(complete)")
            }
        }
    }

    @Test("HSTS over TLS only: not on the admin listener's plain HTTP, nor on a plain listener that has a value set")
    func strictTransportSecurityOverTLSOnly() async throws {
        let host = try await host(serial: "1212")
        try await host.liveListeners { listeners in
            let metrics = try await LiveHTTP.send(to: listeners.admin, "GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(!metrics.head.lowercased().contains("strict-transport-security"))
        }
        let plain = try TestHost { $0.server.strictTransportSecurity = "max-age=600" }
        try await plain.live { port in
            let health = try await LiveHTTP.send(port: port, "GET", "/health")
            #expect(health.status == 200)
            #expect(!health.head.lowercased().contains("strict-transport-security"))
        }
    }

    @Test("a replaced certificate is served from the next connection after a reload; a broken one is refused and the old stays")
    func certificateReload() async throws {
        let host = try await host(serial: "1A1A")
        try await host.liveListeners { listeners in
            #expect(try await TestCertificate.servedSerial(port: listeners.port) == "1A1A")

            try await install(serial: "2B2B", in: host.deployment)
            let reload = try await LiveHTTP.send(to: listeners.admin, "POST", "/admin/reload")
            #expect(reload.status == 200, "\(reload.body)")
            #expect(reload.body.contains(#""errors":[]"#))
            #expect(try await TestCertificate.servedSerial(port: listeners.port) == "2B2B")

            try "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
                .write(toFile: "\(host.deployment.directory.path)/server.pem", atomically: true, encoding: .utf8)
            let refused = try await LiveHTTP.send(to: listeners.admin, "POST", "/admin/reload")
            #expect(refused.body.contains("server.tls: cannot read a PEM certificate from \(host.deployment.directory.path)/server.pem"), "\(refused.body)")
            #expect(try await TestCertificate.servedSerial(port: listeners.port) == "2B2B")
        }
    }

    @Test("a certificate that does not load stops the server at start-up, saying which file")
    func brokenAtStartup() async throws {
        let deployment = try EchoDeployment(config: Self.yaml)
        try "not a key".write(toFile: "\(deployment.directory.path)/server.key", atomically: true, encoding: .utf8)
        _ = try await TestCertificate.make(in: deployment.directory.path, name: "server-only", serial: "0C0C")
        try FileManager.default.moveItem(atPath: "\(deployment.directory.path)/server-only.pem", toPath: "\(deployment.directory.path)/server.pem")
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, environment: [:], logger: LogRecorder().logger())
        let application = TestHost(routes: routes).application
        await #expect(throws: TLSCertificateError.self) { try await application.run(gracefulShutdownSignals: []) }
        let error = try #require({ if case .failure(let error) = application.tls { error } else { nil } }())
        #expect(error.message == "server.tls: cannot read a PEM private key from \(deployment.directory.path)/server.key")
    }
}
