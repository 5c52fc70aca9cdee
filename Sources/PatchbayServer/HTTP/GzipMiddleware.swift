import Foundation
import CompressNIO
import HTTPTypes
import Hummingbird
import NIOCore

/// Compresses JSON responses with gzip for clients that send `Accept-Encoding: gzip` (seed
/// 004's optional header). Never a stream: Server-Sent Events must reach the client event by
/// event, and compression would hold them back. Bodies under ``minimumBytes`` stay as they are
/// (gzip's own header would outweigh the saving), as do bodies with an `ETag`, whose validator
/// names the uncompressed bytes.
struct GzipMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    /// The smallest body worth compressing.
    static let minimumBytes = 512

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard response.headers[.contentType]?.hasPrefix("application/json") == true, response.headers[.contentEncoding] == nil,
              response.headers[.eTag] == nil, let length = response.body.contentLength, length >= Self.minimumBytes else {
            return response
        }
        // The body depends on Accept-Encoding from here on, whatever this client sent.
        response.headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
        guard Self.acceptsGzip(request.headers[values: .acceptEncoding]) else { return response }
        let collector = BodyCollector(capacity: length)
        try await response.body.write(collector)
        var plain = collector.buffer
        let compressed = try plain.compress(with: .gzip())
        response.headers[.contentEncoding] = "gzip"
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }

    /// Whether `Accept-Encoding` allows gzip: `gzip` or `*` with a weight above zero.
    static func acceptsGzip(_ values: [String]) -> Bool {
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
                let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                if weight > 0 { return true }
            }
        }
        return false
    }
}

/// Keeps what a response body writes, to compress it whole.
private final class BodyCollector: ResponseBodyWriter {
    var buffer: ByteBuffer

    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    func write(_ buffer: ByteBuffer) async throws {
        self.buffer.writeImmutableBuffer(buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
