import FakeUpstream
import Foundation
import PatchbayTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14's "reader that does not read", against the real `patchbay serve` process, the real
/// OpenAI plugin (libcurl) and the fake upstream: fifty clients ask for long replies and read
/// nothing (the limit of reading slowly). Each stream may queue only `stream_buffer_bytes`; past
/// it the plugin pauses its libcurl transfer, so what the upstream writes waits in the kernel's
/// socket buffers (capped: `SendBufferLimit`, the kit's `receiveBufferBytes`), not in Patchbay.
/// Without the bound each stream would hold its whole reply (50 × 6 MB here). That the upstream's
/// own writes then block is shown where it can be seen byte for byte: PluginKitTests'
/// "a paused transfer's upstream cannot write past the socket buffers".
@Suite("Slow readers: bounded memory, and the upstream is slowed", .timeLimit(.minutes(5)))
struct SlowReaderMemoryTests {
    static let clients = 50
    static let bufferBytes = 256 * 1024
    /// Each reply: 1,500 deltas of 4,000 bytes, 6 MB — past what the bound and Patchbay's capped
    /// socket buffers hold. Measured on a debug build: 30 MB of growth with the bound; about twice
    /// the allowance with every stream's text kept. In the end-to-end layer, which runs alone:
    /// pushing this through two processes loads both cores.
    static let deltas = 1_500
    static let wordBytes = 4_000
    /// What the process may grow by besides the streams' buffers: fifty connections, their
    /// requests' state and the allocator's slack.
    static let constantBytes = 40 * 1024 * 1024

    @Test("fifty clients that do not read grow RSS by less than 50 × stream_buffer_bytes + a constant")
    func boundedMemory() async throws {
        try await FakeUpstream.withRunning { upstream, upstreamPort in
            let directory = try TemporaryDirectory()
            try directory.copy(TestPaths.builtPlugin("OpenAIProvider"), as: "libOpenAIProvider.so")
            let model = "fake:deltas=\(Self.deltas),text=\(String(repeating: "x", count: Self.wordBytes))"
            let config = try directory.write("""
                server: {stream_buffer_bytes: \(Self.bufferBytes)}
                plugins: {directory: .}
                limits: {requests_per_minute: 10000, burst: 1000}
                providers:
                  openai: {plugin: openai, base_url: "http://127.0.0.1:\(upstreamPort)/v1", api_key: sk-slow-readers}
                assistants:
                  default: {provider: openai, model: "\(model)"}
                  short: {provider: openai, model: "fake:deltas=3"}
                logging: {level: debug}
                """, as: "providers.yaml")
            let server = try await ServerProcess(config: config)
            defer { server.kill(SIGTERM) }

            // One whole turn first, so that what start-up and the first call allocate is in the baseline.
            let warmUp = try await RawHTTPClient.exchange(
                port: server.port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"hi","assistantType":"short","stream":true}"#)
            ) { try await RawHTTPClient.read(&$0) { $0.contains(#""done":true"#) } }
            #expect(warmUp.hasPrefix("HTTP/1.1 200"))
            let before = try Self.residentBytes(of: server.pid)

            // Stateless turns (the `messages` shape): a stored turn also keeps its reply's text, to store it.
            let sockets = try (0..<Self.clients).map { _ in try SilentReader(port: server.port) }
            defer { sockets.forEach { $0.close() } }
            // Every stream's plugin call is paused once its queue passes the bound.
            try await LiveHTTP.eventually(120) {
                server.output.components(separatedBy: "upstream reading paused").count - 1 >= Self.clients
            }
            let during = try Self.residentBytes(of: server.pid)
            let growth = during - before
            let bound = Self.clients * Self.bufferBytes + Self.constantBytes
            #expect(growth < bound, "RSS grew \(growth / 1024) KiB; bound \(bound / 1024) KiB")
        }
    }

    /// The process's resident set, from /proc.
    static func residentBytes(of pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kib = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kib * 1024
    }
}

/// A client that asks for a streamed reply and never reads it, with a receive buffer of 4 KiB
/// so that the kernel does not read on its behalf.
private struct SilentReader {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(call: "socket") }
        var size: Int32 = 4096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketError(call: "connect") }
        let request = Array(RawHTTPClient.post("/api/chat", json: #"{"messages":[{"role":"user","content":"go"}],"assistantType":"default","stream":true}"#).utf8)
        guard write(descriptor, request, request.count) == request.count else { throw SocketError(call: "write") }
    }

    func close() { _ = Glibc.close(descriptor) }

    struct SocketError: Error, CustomStringConvertible {
        var call: String
        var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
    }
}
