import Foundation
import NIOCore
import NIOPosix

/// An HTTP/1.1 response read off a raw TCP connection, with its chunk boundaries kept.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    /// The body's HTTP chunks as sent (one per server write), if the body was chunked.
    var chunks: [[UInt8]]
    /// The body bytes.
    var body: [UInt8]
    /// Whether the body ended properly (final chunk, or the full content-length).
    var complete: Bool

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

/// A minimal HTTP/1.1 client on a raw NIO connection: it sends `Connection: close` and reads
/// until the server closes, so it sees exactly what was written, including abrupt ends.
enum RawHTTP {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(port: Int) async throws -> Connection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    static func requestBytes(method: String, path: String, port: Int, headers: [(String, String)], body: String) -> ByteBuffer {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        return ByteBuffer(string: head + body)
    }

    static func send(
        port: Int,
        method: String = "POST",
        path: String,
        headers: [(String, String)] = [],
        body: String = ""
    ) async throws -> RawResponse {
        let connection = try await connect(port: port)
        let raw = try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(requestBytes(method: method, path: path, port: port, headers: headers, body: body))
            var bytes: [UInt8] = []
            do {
                for try await buffer in inbound { bytes += buffer.readableBytesView }
            } catch {
                // A reset ends the response like a close does.
            }
            return bytes
        }
        return try parse(raw)
    }

    struct ParseError: Error {}

    static func parse(_ raw: [UInt8]) throws -> RawResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = raw.firstRange(of: separator) else { throw ParseError() }
        let headText = String(decoding: raw[..<headEnd.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ParseError() }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = RawResponse(status: status, headers: headers, chunks: [], body: [], complete: false)
        var rest = Array(raw[headEnd.upperBound...])
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while let lineEnd = rest.firstRange(of: Array("\r\n".utf8)) {
                let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self)
                guard let size = Int(sizeText, radix: 16) else { break }
                let start = lineEnd.upperBound
                if size == 0 {
                    response.complete = true
                    break
                }
                guard rest.count >= start + size + 2 else { break }
                let chunk = Array(rest[start..<start + size])
                response.chunks.append(chunk)
                response.body += chunk
                rest = Array(rest[(start + size + 2)...])
            }
        } else if let length = response.header("content-length").flatMap({ Int($0) }) {
            response.body = Array(rest.prefix(length))
            response.complete = rest.count >= length
        } else {
            response.body = rest
        }
        return response
    }
}
