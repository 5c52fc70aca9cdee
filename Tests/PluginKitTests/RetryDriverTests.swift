import Foundation
import Synchronization
import Testing

@testable import PatchbayPluginKit

/// A server that answers 503 (with retry-after-ms: 10) to the first `failures` requests, then 200.
private func flakyServer(failures: Int) throws -> TestHTTPServer {
    let served = Atomic<Int>(0)
    return try TestHTTPServer { _, connection in
        let number = served.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        if number <= failures {
            return connection.write(TestHTTPServer.response(status: 503, reason: "Busy", headers: [("retry-after-ms", "10")], body: "busy"))
        }
        return connection.write(TestHTTPServer.response(body: "fine"))
    }
}

/// Runs one attempt against `url`: success on 2xx, an httpStatus failure otherwise.
private func attemptRunner(_ transport: HTTPTransport, url: String, attempts: Recorder<(Int, Bool)>) -> @Sendable (RetryDriver.Attempt) -> Void {
    { attempt in
        attempts.append((attempt.number, transport.isEventThread))
        let transfer = transport.start(HTTPRequest(url: url)) { result, _ in
            switch result {
            case .success(let head) where head.status < 300: attempt.succeeded()
            case .success(let head): attempt.failed(.httpStatus(head), clientHasOutput: false)
            case .failure(let error): attempt.failed(error, clientHasOutput: false)
            }
        }
        attempt.track(transfer)
    }
}

@Suite("Retry driver")
struct RetryDriverTests {
    @Test("retries retryable statuses on the transport's timer, then succeeds")
    func retriesThenSucceeds() async throws {
        let server = try flakyServer(failures: 2)
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let attempts = Recorder<(Int, Bool)>()
        let outcome = Latch<Result<Void, HTTPTransportError>>()
        let driver = RetryDriver(
            transport: transport, policy: RetryPolicy(maxRetries: 3),
            attempt: attemptRunner(transport, url: server.url("/"), attempts: attempts),
            completion: { outcome.fulfill($0) })
        driver.start()
        let result = try #require(await outcome.wait())
        #expect((try? result.get()) != nil)
        #expect(attempts.all.map(\.0) == [0, 1, 2])
        #expect(attempts.all.map(\.1) == [false, true, true])  // retries run on the event thread
        #expect(server.acceptedConnections == 1)  // and reuse the connection
    }

    @Test("gives up after maxRetries with the last failure")
    func exhausts() async throws {
        let server = try flakyServer(failures: 100)
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let attempts = Recorder<(Int, Bool)>()
        let outcome = Latch<Result<Void, HTTPTransportError>>()
        let driver = RetryDriver(
            transport: transport, policy: RetryPolicy(maxRetries: 2),
            attempt: attemptRunner(transport, url: server.url("/"), attempts: attempts),
            completion: { outcome.fulfill($0) })
        driver.start()
        guard case .failure(let error) = try #require(await outcome.wait()) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .httpStatus)
        #expect(error.status == 503)
        #expect(attempts.count == 3)
    }

    @Test("no retry once the client has output")
    func noRetryAfterOutput() async throws {
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let attempts = Recorder<Int>()
        let outcome = Latch<Result<Void, HTTPTransportError>>()
        let driver = RetryDriver(transport: transport, policy: RetryPolicy(maxRetries: 5)) { attempt in
            attempts.append(attempt.number)
            attempt.failed(HTTPTransportError(code: .connectFailed, message: "x"), clientHasOutput: true)
        } completion: { outcome.fulfill($0) }
        driver.start()
        guard case .failure(let error) = try #require(await outcome.wait()) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .connectFailed)
        #expect(attempts.all == [0])
    }

    @Test("cancel during the backoff wait completes at once and makes no further attempt")
    func cancelDuringBackoff() async throws {
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let attempts = Recorder<Int>()
        let outcomes = Recorder<Result<Void, HTTPTransportError>>()
        let failedOnce = Latch<Void>()
        // Backoff ceiling 10 s, jitter fraction 1/2: a 5 s wait.
        let driver = RetryDriver(
            transport: transport, policy: RetryPolicy(maxRetries: 3, baseDelay: .seconds(10), maxDelay: .seconds(10), overallDeadline: nil),
            random: { 1 << 63 }
        ) { attempt in
            attempts.append(attempt.number)
            attempt.failed(HTTPTransportError(code: .connectFailed, message: "x"), clientHasOutput: false)
            failedOnce.fulfill(())
        } completion: { outcomes.append($0) }
        driver.start()
        #expect(await failedOnce.wait() != nil)
        driver.cancel()
        driver.cancel()
        #expect(outcomes.count == 1)
        if case .failure(let error) = outcomes.all.first {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected a cancelled failure")
        }
        // A later timer on the same thread fires; the cancelled retry did not run before it.
        let later = Latch<Void>()
        transport.schedule(after: .milliseconds(20)) { later.fulfill(()) }
        #expect(await later.wait() != nil)
        #expect(attempts.all == [0])
    }

    @Test("cancel reaches the tracked transfer")
    func cancelTransfer() async throws {
        let server = try TestHTTPServer { _, connection in
            _ = connection.waitForClientClose()
            return false
        }
        let transport = try HTTPTransport()
        defer { transport.shutdown() }
        let transferResult = Latch<HTTPTransportError.Code?>()
        let outcome = Latch<Result<Void, HTTPTransportError>>()
        let driver = RetryDriver(transport: transport, policy: RetryPolicy()) { attempt in
            let transfer = transport.start(HTTPRequest(url: server.url("/"))) { result, _ in
                if case .failure(let error) = result { transferResult.fulfill(error.code) } else { transferResult.fulfill(nil) }
                attempt.succeeded()  // ignored: the driver has already completed
            }
            attempt.track(transfer)
        } completion: { outcome.fulfill($0) }
        driver.start()
        #expect(await server.firstRequest.wait() != nil)
        driver.cancel()
        let code = await transferResult.wait()
        #expect(code == .some(.cancelled))
        if case .failure(let error) = await outcome.wait() {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected cancelled")
        }
    }
}
