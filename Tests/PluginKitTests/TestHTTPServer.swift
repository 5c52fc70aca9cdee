import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for transport tests: POSIX sockets, one thread per
/// connection, requests handled by a closure that writes raw bytes back.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]  // lowercased names
        var body: [UInt8]
    }

    /// One accepted connection, as the handler sees it.
    final class Connection: Sendable {
        let fd: Int32
        let number: Int
        private let buffer = Mutex<[UInt8]>([])

        init(fd: Int32, number: Int) {
            self.fd = fd
            self.number = number
        }

        /// Writes everything (or gives up when the peer is gone).
        @discardableResult
        func write(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }

        @discardableResult
        func write(_ text: String) -> Bool { write(Array(text.utf8)) }

        /// Writes up to `total` bytes without blocking, waiting up to `patience` ms each time the
        /// socket is full; returns how many it took before it stayed full (or the peer left).
        func writeUntilBlocked(total: Int, patience: Int32) -> Int {
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024)
            var written = 0
            while written < total {
                let n = chunk.withUnsafeBytes { send(fd, $0.baseAddress!, min(chunk.count, total - written), Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                if n > 0 {
                    written += n
                    continue
                }
                guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK else { break }
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, patience) == 0 { break }
            }
            return written
        }

        /// Writes one chunk of a chunked body.
        @discardableResult
        func writeChunk(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return write(String(bytes.count, radix: 16) + "\r\n") && write(bytes) && write("\r\n")
        }

        /// Waits until the client closes the connection; false if it did not within `timeout`.
        func waitForClientClose(timeout: Duration = .seconds(10)) -> Bool {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var scratch = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let remaining = ContinuousClock.now.duration(to: deadline)
                let milliseconds = max(1, Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
                let ready = poll(&descriptor, 1, milliseconds)
                if ready < 0 && errno != EINTR { return true }
                if ready <= 0 { continue }
                let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return true }
            }
            return false
        }

        /// Reads the next request; nil at end of stream.
        func readRequest() -> Request? {
            var data = buffer.withLock { $0 }
            func fill() -> Bool {
                var chunk = [UInt8](repeating: 0, count: 8192)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return false }
                data.append(contentsOf: chunk[0..<n])
                return true
            }
            let separator: [UInt8] = [13, 10, 13, 10]
            var headEnd: Int?
            while headEnd == nil {
                if data.count >= 4 {
                    for index in 0...(data.count - 4) where Array(data[index..<index + 4]) == separator {
                        headEnd = index
                        break
                    }
                }
                if headEnd == nil, !fill() { return nil }
            }
            let head = String(decoding: data[0..<headEnd!], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyStart = headEnd! + 4
            while data.count < bodyStart + length {
                if !fill() { return nil }
            }
            let body = Array(data[bodyStart..<bodyStart + length])
            data.removeFirst(bodyStart + length)
            buffer.withLock { $0 = data }
            return Request(
                method: requestLine.count > 0 ? String(requestLine[0]) : "",
                path: requestLine.count > 1 ? String(requestLine[1]) : "",
                headers: headers,
                body: body)
        }
    }

    /// Handles one request; returns true to keep the connection open for the next one.
    typealias Handler = @Sendable (Request, Connection) -> Bool

    let port: UInt16
    private let listener: Int32
    private let handler: Handler
    private let accepted = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// Fulfilled when the first request has been read.
    let firstRequest = Latch<Void>()

    init(handler: @escaping Handler) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        self.listener = fd
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// How many connections the server has accepted.
    var acceptedConnections: Int { accepted.load(ordering: .sequentiallyConsistent) }

    /// The URL of `path` on this server.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        if !stopped.exchange(true, ordering: .sequentiallyConsistent) {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let number = accepted.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
            let connection = Connection(fd: fd, number: number)
            let handler = self.handler
            let firstRequest = self.firstRequest
            Thread {
                while let request = connection.readRequest() {
                    firstRequest.fulfill(())
                    if !handler(request, connection) { break }
                }
                close(connection.fd)
            }.start()
        }
    }

    /// A complete response with Content-Length.
    static func response(status: Int = 200, reason: String = "OK", headers: [(String, String)] = [], body: String) -> String {
        var text = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return text + "\r\n" + body
    }
}
