import Foundation
import PatchbayTestSupport
import Testing

/// deploy/nginx.conf, run by Debian's nginx in front of a real `patchbay serve`.
extension DeploymentRecipeTests {
    /// deploy/nginx.conf with the compose service names pointed at `upstream` on this machine,
    /// its listener on 127.0.0.1:`listen`, and one worker process, so that the connection pool a
    /// request fills is the one the next request finds: nothing else changes.
    static func nginxConfiguration(upstream: Int, listen: Int) throws -> String {
        var text = try recipe("nginx.conf")
        for (from, to) in [("server patchbay-a:8080 ", "server 127.0.0.1:\(upstream) "), ("server patchbay-b:8080 ", "server 127.0.0.1:\(upstream) "),
                           ("listen 80;", "listen 127.0.0.1:\(listen);"), ("worker_processes auto;", "worker_processes 1;")] {
            try #require(text.contains(from), "nginx.conf has '\(from)'")
            text = text.replacingOccurrences(of: from, with: to)
        }
        return text
    }

    @Test("nginx -t accepts deploy/nginx.conf, and not a copy missing a semicolon")
    func nginxConfigurationChecks() async throws {
        let configuration = try Self.nginxConfiguration(upstream: 8080, listen: try TestServerFolders.freePort())
        let check = try await NginxTestServer.check(configuration: configuration)
        #expect(check.status == 0 && check.output.contains("test is successful"), "\(check.output)")

        let broken = configuration.replacingOccurrences(of: "proxy_buffering off;", with: "proxy_buffering off")
        let refused = try await NginxTestServer.check(configuration: broken)
        #expect(refused.status != 0 && refused.output.contains("nginx.conf"), "\(refused.output)")
    }

    /// A server behind nginx: one instance stands for both of the compose file's (the upstream's
    /// two names rewritten to it). 127.0.0.1 is nginx, and the only trusted proxy; the test's
    /// client connects from 127.0.0.2, so the address Patchbay resolves tells which hop it came from.
    static let proxiedConfiguration = """
        server:
          trusted_proxies: [127.0.0.1/32]
          admin: {on_public_port: true}   # so that a proxied /metrics would be answered: nginx must not pass it on
        plugins: {directory: ./plugins}
        storage: {sqlite_path: ./chats.sqlite}
        providers:
          slow: {plugin: echo, delay_ms: 150}
        assistants:
          default: {provider: slow, model: echo-1}
        """

    static let client = "127.0.0.2"

    @Test("through deploy/nginx.conf: events arrive one by one while the stream is open, the client's own address reaches Patchbay, /metrics and /admin do not, WebSocket upgrades")
    func nginxInFrontOfPatchbay() async throws {
        let deployment = try EchoDeployment(config: Self.proxiedConfiguration)
        let server = try await ServerProcess(config: deployment.config)
        defer { server.kill(SIGTERM) }
        let port = try TestServerFolders.freePort()
        let nginx = try await NginxTestServer(configuration: try Self.nginxConfiguration(upstream: server.port, listen: port), port: port)
        defer { nginx.stop() }

        // A client that claims another address: Patchbay sees the one nginx saw.
        let limits = try await Self.send(port: port, "GET /api/rate-limit HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n")
        let caller = limits.firstMatch(of: /"caller":\{[^}]*"id":"([^"]*)"/)?.output.1
        #expect(caller == "127.0.0.2", "\(limits)")

        try await Self.expectEventByEvent(port: port, server: server)

        // The operators' routes: answered by Patchbay directly (it has them on the public port
        // here), never through nginx.
        #expect(try await LiveHTTP.send(port: server.port, "GET", "/metrics").status == 200)
        for request in ["GET /metrics HTTP/1.1", "POST /admin/reload HTTP/1.1", "GET /admin HTTP/1.1"] {
            let reply = try await Self.send(port: port, "\(request)\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 404") && !reply.contains("X-Request-ID"), "\(request): \(reply.prefix(300))")
        }

        // After a plain request, whose connection to Patchbay nginx keeps for the next one.
        #expect(try await Self.send(port: port, "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").hasPrefix("HTTP/1.1 200"))
        let upgrade = try await RawHTTPClient.exchange(
            port: port, from: Self.client,
            request: "GET /ws/chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ) { try await RawHTTPClient.read(&$0) { $0.contains("\r\n\r\n") } }
        #expect(upgrade.hasPrefix("HTTP/1.1 101"), "\(upgrade)")
    }

    /// One request to nginx from the client's address, read until nginx closes.
    static func send(port: Int, _ request: String) async throws -> String {
        try await RawHTTPClient.exchange(port: port, from: client, request: request) { try await RawHTTPClient.read(&$0) { _ in false } }
    }

    /// A streamed turn through nginx: its first event reaches the client while Patchbay still
    /// holds the stream open (nothing between them waits for the end), and the rest follows.
    static func expectEventByEvent(port: Int, server: ServerProcess) async throws {
        // 40 words 150 ms apart: 6 s, so that on a loaded machine the stream is still open at
        // Patchbay when the client has read the first event and asked /metrics.
        let words = (1...40).map { "w\($0)" }
        let (first, rest) = try await RawHTTPClient.exchange(
            port: port, from: client,
            request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words.joined(separator: " "))","stream":true}"#, headers: ["Accept-Encoding": "gzip"])
        ) { inbound in
            let first = try await RawHTTPClient.read(&inbound) { $0.contains(#""content":"w1""#) }
            let metrics = try await LiveHTTP.send(port: server.port, "GET", "/metrics").body
            let open = metrics.firstMatch(of: /\npatchbay_active_streams ([0-9.]+)\n/).flatMap { Double($0.output.1) }
            #expect(open == 1, "the stream was over at Patchbay before its first event reached the client")
            let rest = try await RawHTTPClient.read(&inbound) { $0.contains(#""done":true"#) }
            return (first, rest)
        }
        #expect(first.hasPrefix("HTTP/1.1 200") && first.contains("text/event-stream"), "\(first)")
        #expect(!first.contains(#""done":true"#) && !first.lowercased().contains("content-encoding"), "\(first)")
        let contents = (first + rest).matches(of: /"content":" ?(w\d+)"/).map { String($0.output.1) }
        #expect(contents == words)
    }
}
