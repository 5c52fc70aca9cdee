import Foundation
import Synchronization
import Testing

@testable import PatchbayPluginKit

/// What a transfer's callbacks saw.
final class TransferLog: Sendable {
    let heads = Recorder<HTTPResponseHead>()
    let body = Recorder<[UInt8]>()
    let threads = Recorder<UInt>()
    let onEventThread = Recorder<Bool>()
    let result = Latch<Result<HTTPResponseHead, HTTPTransportError>>()
    let firstBody = Latch<Void>()

    var bodyText: String { String(decoding: body.all.joined(), as: UTF8.self) }

    var error: HTTPTransportError? {
        if case .failure(let error) = result.value { return error }
        return nil
    }
}

extension HTTPTransport {
    /// Starts a transfer whose callbacks go to `log`.
    @discardableResult
    func start(_ request: HTTPRequest, log: TransferLog) -> HTTPTransfer {
        start(request, onHead: { head, _ in
            log.heads.append(head)
            log.threads.append(currentThreadID())
            log.onEventThread.append(self.isEventThread)
        }, onBody: { bytes, _ in
            log.body.append(Array(bytes))
            log.threads.append(currentThreadID())
            log.firstBody.fulfill(())
        }, onComplete: { result, _ in
            log.threads.append(currentThreadID())
            log.onEventThread.append(self.isEventThread)
            log.result.fulfill(result)
        })
    }
}

/// How many body bytes `/flood` got into its socket before the socket stopped taking them.
private let floodWritten = Latch<Int>()

/// The server's canned routes.
private func route(_ request: TestHTTPServer.Request, _ connection: TestHTTPServer.Connection, closed: ClosedConnections, barrier: Barrier?) -> Bool {
    switch request.path {
    case "/ok":
        return connection.write(TestHTTPServer.response(body: "hello"))
    case "/echo":
        let body = String(decoding: request.body, as: UTF8.self)
        return connection.write(TestHTTPServer.response(
            headers: [("X-Method", request.method), ("X-Token", request.headers["x-token"] ?? "-"), ("X-Expect", request.headers["expect"] ?? "-")],
            body: body))
    case "/headers":
        return connection.write(
            "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nX-One: 1\r\nX-Multi: a\r\nx-multi: b\r\nX-Spaced:   padded value  \r\nContent-Length: 2\r\n\r\nok")
    case "/error":
        return connection.write(TestHTTPServer.response(status: 503, reason: "Service Unavailable", headers: [("Retry-After", "1")], body: "{\"error\":\"busy\"}"))
    case "/chunked":
        connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for index in 0..<5 { connection.writeChunk("data: \(index)\n\n") }
        return connection.write("0\r\n\r\n")
    case "/stall":
        // Reads the request, never answers; notes when the client gives up.
        if connection.waitForClientClose() { closed.append(connection.number) }
        return false
    case "/stall-after-head":
        connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        connection.writeChunk("data: first\n\n")
        if connection.waitForClientClose() { closed.append(connection.number) }
        return false
    case "/drip":
        // A chunk every 20 ms, for as long as the client listens.
        connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<500 {
            guard connection.writeChunk("x") else { break }
            usleep(20_000)
        }
        closed.append(connection.number)
        return false
    case "/flood":
        // A 64 MiB body written as fast as the socket takes it, from a small send buffer; once
        // the socket has not taken a byte for a second, how much it took is reported.
        var size: Int32 = 64 * 1024
        setsockopt(connection.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let total = 64 << 20
        connection.write("HTTP/1.1 200 OK\r\nContent-Length: \(total)\r\n\r\n")
        floodWritten.fulfill(connection.writeUntilBlocked(total: total, patience: 1000))
        _ = connection.waitForClientClose()
        return false
    case "/truncated":
        connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
        return false
    case "/barrier":
        // Answers only once every concurrent request has arrived: proof they were all in flight.
        let allArrived = barrier?.arriveAndWait() ?? false
        return connection.write(TestHTTPServer.response(status: allArrived ? 200 : 504, body: request.headers["x-index"] ?? ""))
    default:
        return connection.write(TestHTTPServer.response(status: 404, reason: "Not Found", body: ""))
    }
}

/// Lets N threads wait for each other, for at most 10 seconds.
final class Barrier: Sendable {
    private let count: Int
    private let condition = UncheckedSendable(NSCondition())
    private let arrived = Atomic<Int>(0)

    init(count: Int) { self.count = count }

    func arriveAndWait() -> Bool {
        let lock = condition.value
        lock.lock()
        defer { lock.unlock() }
        if arrived.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue >= count { lock.broadcast() }
        let deadline = Date().addingTimeInterval(10)
        while arrived.load(ordering: .sequentiallyConsistent) < count {
            if !lock.wait(until: deadline) { return false }
        }
        return true
    }
}

/// Connections the client closed while the server waited.
final class ClosedConnections: Sendable {
    private let numbers = Recorder<Int>()
    let first = Latch<ContinuousClock.Instant>()

    func append(_ number: Int) {
        numbers.append(number)
        first.fulfill(.now)
    }

    var count: Int { numbers.count }
}

/// A server with the canned routes, and what it noticed.
struct Fixture {
    let server: TestHTTPServer
    let closed = ClosedConnections()

    init(barrier: Barrier? = nil) throws {
        let closed = self.closed
        server = try TestHTTPServer { request, connection in
            route(request, connection, closed: closed, barrier: barrier)
        }
    }
}

@Suite("HTTP transport")
struct HTTPTransportTests {
    @Test("a normal response: head, body, completion, all on the event thread")
    func normalResponse() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/ok")), log: log)
        let result = try #require(await log.result.wait())
        #expect(try result.get().status == 200)
        #expect(log.heads.all.map(\.status) == [200])
        #expect(log.heads.all.first?.headers["content-length"] == "5")
        #expect(log.bodyText == "hello")
        #expect(Set(log.threads.all).count == 1)
        #expect(log.onEventThread.all.allSatisfy { $0 })
        #expect(!transport.isEventThread)
    }

    @Test("POST sends method, headers and body, and no Expect header")
    func post() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        let body = String(repeating: "x", count: 200_000)
        transport.start(HTTPRequest(method: "POST", url: fixture.server.url("/echo"), headers: ["X-Token": "t1", "Content-Type": "text/plain"], body: Array(body.utf8)), log: log)
        let head = try #require(try await log.result.wait()?.get())
        #expect(head.headers["x-method"] == "POST")
        #expect(head.headers["x-token"] == "t1")
        #expect(head.headers["x-expect"] == "-")
        #expect(log.bodyText == body)
    }

    @Test("status and headers parsed, 100 Continue skipped")
    func headParsing() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/headers")), log: log)
        let head = try #require(try await log.result.wait()?.get())
        #expect(log.heads.count == 1)
        #expect(head.status == 201)
        #expect(head.reason == "Created")
        #expect(head.version == "HTTP/1.1")
        #expect(head.headers["x-one"] == "1")
        #expect(head.headers.values(for: "X-MULTI") == ["a", "b"])
        #expect(head.headers["X-Spaced"] == "padded value")
        #expect(log.bodyText == "ok")
    }

    @Test("an error status is a response, with its headers; the caller turns it into an error")
    func errorStatus() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/error")), log: log)
        let head = try #require(try await log.result.wait()?.get())
        #expect(head.status == 503)
        #expect(log.bodyText == "{\"error\":\"busy\"}")
        let error = HTTPTransportError.httpStatus(head)
        #expect(error.code == .httpStatus)
        #expect(error.status == 503)
        #expect(RetryPolicy.retryAfter(in: head.headers, now: Date()) == .seconds(1))
        #expect(ChatError(error).code == .providerUnavailable)
        #expect(ChatError(error).upstreamStatus == 503)
    }

    @Test("a chunked stream arrives as body pieces")
    func chunked() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/chunked")), log: log)
        _ = try #require(try await log.result.wait()?.get())
        var parser = SSEParser()
        let events = parser.feed(log.body.all.joined()) + parser.finish()
        #expect(events.map(\.data) == ["0", "1", "2", "3", "4"])
    }

    @Test("50 concurrent transfers complete, all driven by one event thread")
    func concurrent() async throws {
        let count = 50
        let fixture = try Fixture(barrier: Barrier(count: count))
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let threads = Recorder<UInt>()
        let results = Recorder<(Int, Int, String)>()
        let done = Latch<Void>()
        for index in 0..<count {
            let body = Recorder<[UInt8]>()
            transport.start(HTTPRequest(url: fixture.server.url("/barrier"), headers: ["X-Index": "\(index)"]), onBody: { bytes, _ in
                threads.append(currentThreadID())
                body.append(Array(bytes))
            }, onComplete: { result, _ in
                threads.append(currentThreadID())
                let status = (try? result.get().status) ?? -1
                if results.appendCounting((index, status, String(decoding: body.all.joined(), as: UTF8.self))) == count { done.fulfill(()) }
            })
        }
        #expect(await done.wait(timeout: .seconds(30)) != nil)
        let all = results.all
        #expect(all.count == count)
        #expect(all.allSatisfy { $0.1 == 200 && $0.2 == "\($0.0)" })
        #expect(Set(threads.all).count == 1)
        #expect(fixture.server.acceptedConnections == count)
    }

    @Test("sequential requests reuse one connection")
    func connectionReuse() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        for _ in 0..<5 {
            let log = TransferLog()
            transport.start(HTTPRequest(url: fixture.server.url("/ok")), log: log)
            #expect(try await log.result.wait()?.get().status == 200)
            #expect(log.bodyText == "hello")
        }
        #expect(fixture.server.acceptedConnections == 1)
    }

    @Test("first-byte deadline")
    func firstByteDeadline() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport(configuration: .init(timeouts: HTTPTimeouts(firstByte: .milliseconds(200))))
        defer { transport.shutdown() }
        let log = TransferLog()
        let started = ContinuousClock.now
        transport.start(HTTPRequest(url: fixture.server.url("/stall")), log: log)
        _ = await log.result.wait()
        let elapsed = started.duration(to: .now)
        #expect(log.error?.code == .firstByteTimeout)
        // Never early; how late is the machine's business (the code says which deadline fired).
        #expect(elapsed >= .milliseconds(200))
        #expect(log.heads.count == 0)
    }

    @Test("idle deadline, after the head and some body")
    func idleDeadline() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        let started = ContinuousClock.now
        transport.start(HTTPRequest(url: fixture.server.url("/stall-after-head"), timeouts: HTTPTimeouts(firstByte: .seconds(5), idle: .milliseconds(200))), log: log)
        _ = await log.result.wait()
        #expect(log.error?.code == .idleTimeout)
        #expect(log.error?.status == 200)
        #expect(log.heads.count == 1)
        #expect(log.bodyText == "data: first\n\n")
        #expect(started.duration(to: .now) >= .milliseconds(200))
    }

    @Test("total deadline on a response that never stalls")
    func totalDeadline() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        let started = ContinuousClock.now
        transport.start(HTTPRequest(url: fixture.server.url("/drip"), timeouts: HTTPTimeouts(firstByte: .seconds(5), idle: .seconds(5), total: .milliseconds(400))), log: log)
        _ = await log.result.wait()
        let elapsed = started.duration(to: .now)
        #expect(log.error?.code == .totalTimeout)
        #expect(elapsed >= .milliseconds(400))
        #expect(log.body.count > 1)
    }

    @Test("a paused transfer takes no body and runs no idle deadline until resumed")
    func pauseAndResume() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let pieces = Recorder<[UInt8]>()
        let paused = Latch<Int>()
        let resumedBody = Latch<Void>()
        let result = Latch<Result<HTTPResponseHead, HTTPTransportError>>()
        // A chunk every 20 ms; the first body callback pauses the transfer from inside itself,
        // as a plugin does when the host pauses it from inside on_event.
        let transfer = transport.start(
            HTTPRequest(url: fixture.server.url("/drip"), timeouts: HTTPTimeouts(firstByte: .seconds(5), idle: .milliseconds(200), total: nil)),
            onBody: { bytes, transfer in
                let count = pieces.appendCounting(Array(bytes))
                if count == 1 {
                    transfer.pause()
                    transfer.pause()  // idempotent
                    paused.fulfill(count)
                } else if paused.value != nil {
                    resumedBody.fulfill(())
                }
            },
            onComplete: { outcome, _ in result.fulfill(outcome) })
        #expect(await paused.wait() == 1)

        // Another transfer runs to its end on the same event thread, and then twice the idle
        // deadline passes on its timer: the drip kept writing all along.
        let other = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/ok")), log: other)
        _ = await other.result.wait()
        #expect(other.bodyText == "hello")
        let waited = Latch<Void>()
        _ = transport.schedule(after: .milliseconds(400)) { waited.fulfill(()) }
        #expect(await waited.wait() != nil)
        #expect(pieces.count == 1, "no body while paused")
        #expect(result.value == nil, "no idle timeout while paused")

        transfer.resume()
        #expect(await resumedBody.wait() != nil)
        transfer.cancel()
        let outcome = await result.wait()
        guard case .failure(let error) = outcome else {
            Issue.record("expected the cancel, got \(String(describing: outcome))")
            return
        }
        #expect(error.code == .cancelled)
        #expect(pieces.count > 1)
    }

    /// Backpressure reaches the upstream: a paused transfer stops reading, its socket's receive
    /// buffer is fixed (`receiveBufferBytes`, 256 KiB: the kernel doubles it), so the server's
    /// writes stop after what the two sockets hold — not after Linux's 6 MiB of autotuning.
    @Test("a paused transfer's upstream cannot write past the socket buffers")
    func pausedTransferBlocksTheServer() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let result = Latch<Result<HTTPResponseHead, HTTPTransportError>>()
        let transfer = transport.start(
            HTTPRequest(url: fixture.server.url("/flood"), timeouts: HTTPTimeouts(firstByte: .seconds(5), idle: .seconds(5), total: nil)),
            onBody: { _, transfer in transfer.pause() },
            onComplete: { outcome, _ in result.fulfill(outcome) })
        let written = try #require(await floodWritten.wait(timeout: .seconds(60)))
        #expect(written < 2 << 20, "the server wrote \(written) bytes into a paused transfer")
        #expect(result.value == nil, "still paused, not ended")
        transfer.cancel()
        _ = await result.wait()
    }

    @Test("cancel mid-body aborts at once and closes the server's connection")
    func cancelMidBody() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        let transfer = transport.start(HTTPRequest(url: fixture.server.url("/stall-after-head"), timeouts: HTTPTimeouts(firstByte: nil, idle: nil, total: nil)), log: log)
        #expect(await log.firstBody.wait() != nil)
        let cancelledAt = ContinuousClock.now
        transfer.cancel()
        transfer.cancel()  // idempotent
        _ = await log.result.wait()
        #expect(log.error?.code == .cancelled)
        // The server sees the connection close: with no deadline set, only the cancel can close it.
        let closedAt = try #require(await fixture.closed.first.wait(timeout: .seconds(30)))
        #expect(closedAt >= cancelledAt)
        #expect(fixture.closed.count == 1)
        #expect(transfer.isCancelled)
    }

    @Test("cancel from inside the body callback")
    func cancelFromCallback() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let bodies = Recorder<Int>()
        let result = Latch<Result<HTTPResponseHead, HTTPTransportError>>()
        transport.start(HTTPRequest(url: fixture.server.url("/drip")), onBody: { _, transfer in
            bodies.append(1)
            transfer.cancel()
        }, onComplete: { outcome, _ in result.fulfill(outcome) })
        guard case .failure(let error) = try #require(await result.wait()) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .cancelled)
        #expect(bodies.count == 1)
    }

    @Test("a connection closed mid-body is a transfer failure")
    func truncated() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/truncated")), log: log)
        _ = await log.result.wait()
        #expect(log.error?.code == .transferFailed)
        #expect(log.error?.status == 200)
        #expect(log.bodyText == "only ten b")
    }

    @Test("a refused connection is a connect failure")
    func connectRefused() async throws {
        // A port that was just free: bind, read it, close.
        let port = try { () throws -> UInt16 in
            let server = try TestHTTPServer { _, _ in false }
            defer { server.stop() }
            return server.port
        }()
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: "http://127.0.0.1:\(port)/"), log: log)
        _ = await log.result.wait()
        #expect(log.error?.code == .connectFailed)
        #expect(RetryPolicy().isRetryable(try #require(log.error)))
    }

    @Test("a malformed URL is an invalid request")
    func badURL() async throws {
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let log = TransferLog()
        transport.start(HTTPRequest(url: "notascheme://x"), log: log)
        _ = await log.result.wait()
        #expect(log.error?.code == .invalidRequest)
    }

    @Test("timers run on the event thread, in order; a cancelled timer never runs")
    func timers() async throws {
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let fired = Recorder<String>()
        let onThread = Recorder<Bool>()
        let done = Latch<Void>()
        let cancelled = transport.schedule(after: .milliseconds(30)) { fired.append("cancelled") }
        cancelled.cancel()
        transport.schedule(after: .milliseconds(80)) {
            fired.append("second")
            onThread.append(transport.isEventThread)
            done.fulfill(())
        }
        let started = ContinuousClock.now
        transport.schedule(after: .milliseconds(10)) {
            fired.append("first")
            onThread.append(transport.isEventThread)
        }
        #expect(await done.wait() != nil)
        #expect(started.duration(to: .now) >= .milliseconds(70))
        #expect(fired.all == ["first", "second"])
        #expect(onThread.all == [true, true])
    }

    @Test("shutdown completes transfers in flight, joins the thread, then fails new work at once")
    func shutdown() async throws {
        let fixture = try Fixture()
        let transport = try HTTPTransport()
        let log = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/stall")), log: log)
        let pending = Latch<Void>()
        transport.schedule(after: .seconds(3600)) { pending.fulfill(()) }
        // Wait until the request is in flight (the server has read it).
        #expect(await fixture.server.firstRequest.wait() != nil)
        transport.shutdown()
        // Everything was delivered before shutdown() returned.
        #expect(log.error?.code == .shutdown)
        #expect(pending.value != nil)
        #expect(transport.isShutDown)

        let late = TransferLog()
        transport.start(HTTPRequest(url: fixture.server.url("/ok")), log: late)
        #expect(late.error?.code == .shutdown)
        transport.shutdown()  // idempotent
    }
}
