import Foundation
import PatchbayConfig
import Testing

/// A deployment in a fresh folder: providers.yaml and a `plugins` folder, holding the built
/// echo plugin unless `withEcho` is false.
package struct EchoDeployment: Sendable {
    package let directory: TemporaryDirectory
    /// providers.yaml's path.
    package let config: String
    /// The plugins folder's path.
    package var plugins: String { "\(directory.path)/plugins" }

    package init(config text: String, withEcho: Bool = true) throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(directory.path)/plugins", withIntermediateDirectories: true)
        if withEcho { try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "plugins/libEchoProvider.so") }
        config = try directory.write(text, as: "providers.yaml")
    }

    /// Replaces providers.yaml (atomically, as editors and deploy tools do).
    package func rewrite(_ text: String) throws {
        try directory.write(text, as: "providers.yaml")
    }
}

/// One whole HTTP exchange with a live server, over a connection closed after it.
package struct LiveHTTP {
    /// A response: status, header lines, body.
    package struct Reply: Sendable {
        package var status: Int
        package var head: String
        package var body: String

        /// The body as a JSON object.
        package func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "not a JSON object: \(body)")
        }
    }

    /// Sends a request and reads until the server closes the connection.
    package static func send(port: Int, _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        try await send(to: .tcp(host: "127.0.0.1", port: port), method, path, json: json, headers: headers)
    }

    /// The same, to a TCP address or a Unix socket (the admin listener's).
    package static func send(
        to address: AdminListenerAddress, _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let json {
            request += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
        } else {
            request += "Content-Length: 0\r\n\r\n"
        }
        let text = try await RawHTTPClient.exchange(to: address, request: request) { try await RawHTTPClient.read(&$0) { _ in false } }
        guard let split = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1.1 "),
              let status = Int(text.dropFirst(9).prefix(3)) else {
            throw MalformedReply(text: text)
        }
        return Reply(status: status, head: String(text[..<split.lowerBound]), body: String(text[split.upperBound...]))
    }

    /// `GET /health` as JSON.
    package static func health(port: Int) async throws -> [String: Any] {
        try await send(port: port, "GET", "/health").json()
    }

    /// Asks `condition` again and again (each answer is a real request) until it holds or
    /// `seconds` pass. A bounded wait for the server to reach a state, not a sleep.
    package static func eventually(_ seconds: Double = 30, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await withDeadline(seconds) {
            while try await !condition() {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    package struct MalformedReply: Error, CustomStringConvertible {
        package var text: String
        package var description: String { "not an HTTP response: \(text.prefix(200))" }
    }
}
