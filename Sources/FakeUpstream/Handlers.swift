import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension FakeUpstream {
    // MARK: Common

    /// Reads and records the request; returns the collected request, its body, path and number.
    func receive(_ request: Request) async throws -> (request: Request, body: ByteBuffer, path: String, number: Int) {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBodySize)
        let path = request.uri.path
        var headers: [(name: String, value: String)] = []
        if let authority = request.head.authority {
            headers.append((name: "Host", value: authority))
        }
        for field in request.headers {
            headers.append((name: field.name.rawName, value: field.value))
        }
        let number = recorder.record(
            RecordedRequest(
                method: request.method.rawValue,
                path: path,
                query: request.uri.query ?? "",
                headers: headers,
                body: Data(buffer: body)
            )
        )
        return (request, body, path, number)
    }

    /// The scenario for a request: `X-Fake-Scenario`, else a `fake:` model, else the default.
    /// Applies `fail_first`.
    func scenario(for request: Request, model: String?) throws(FakeScenario.ParseError) -> FakeScenario {
        var scenario: FakeScenario
        if let header = request.headers[Self.scenarioHeader] {
            scenario = try FakeScenario.parse(header)
        } else if let model, model.hasPrefix("fake:") {
            scenario = try FakeScenario.parse(String(model.dropFirst(5)))
        } else {
            scenario = FakeScenario()
        }
        if let failKey = scenario.failKey, Self.apiKey(of: request) != failKey {
            return scenario.withoutFaults
        }
        if let failFirst = scenario.failFirst {
            let key = request.headers[Self.sequenceHeader] ?? "model:" + (model ?? "")
            if recorder.countInSequence(key) > failFirst {
                scenario = scenario.withoutFaults
            }
        }
        return scenario
    }

    /// The API key a request was made with: its `Bearer` token, else its `x-api-key`, else its
    /// `x-goog-api-key`.
    static func apiKey(of request: Request) -> String? {
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return request.headers[field("x-api-key")] ?? request.headers[field("x-goog-api-key")]
    }

    static let scenarioHeader = HTTPField.Name("X-Fake-Scenario")!
    static let sequenceHeader = HTTPField.Name("X-Fake-Sequence")!

    static func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }

    static func status(_ code: Int) -> HTTPResponse.Status {
        let phrases: [Int: String] = [
            200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
            404: "Not Found", 408: "Request Timeout", 409: "Conflict", 413: "Content Too Large",
            422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
            529: "Site Overloaded",
        ]
        return HTTPResponse.Status(code: code, reasonPhrase: phrases[code] ?? "")
    }

    /// Whitespace-separated words in message contents (a string, or an array of parts with
    /// `text`) and in `system` (the same forms).
    static func countWords(messages: [Any], system: Any?) -> Int {
        func words(_ content: Any?) -> Int {
            if let text = content as? String {
                return text.split(whereSeparator: { $0.isWhitespace }).count
            }
            if let parts = content as? [Any] {
                return parts.reduce(0) { $0 + words(($1 as? [String: Any])?["text"]) }
            }
            return 0
        }
        let inMessages = messages.reduce(0) { $0 + words(($1 as? [String: Any])?["content"]) }
        return inMessages + words(system)
    }

    static func intValue(_ value: Any?) -> Int? {
        if let n = value as? Int { return n }
        if let d = value as? Double, d == d.rounded() { return Int(d) }
        return nil
    }

    // MARK: Responses

    /// A complete response with a fixed body, written in one piece or, under `split`, in pieces.
    /// A 200 HTML page where an API reply was expected (scenario `reply=html`).
    func captivePortalPage(path: String) -> Response {
        fixedResponse(status: 200, headers: [.contentType: "text/html; charset=utf-8"],
                      body: "<!doctype html><title>Sign in</title><p>Sign in to continue.</p>", path: path)
    }

    func fixedResponse(status: Int, headers: HTTPFields, body: String, path: String, splitBytes: Int? = nil) -> Response {
        fixedResponse(status: status, headers: headers, bytes: Array(body.utf8), path: path, splitBytes: splitBytes)
    }

    func fixedResponse(status: Int, headers: HTTPFields, bytes: [UInt8], path: String, splitBytes: Int? = nil) -> Response {
        let pieces = splitBytes.map { Splitter.pieces(of: bytes, size: $0) } ?? [bytes]
        var headers = headers
        headers[.contentLength] = String(bytes.count)
        return Response(
            status: Self.status(status),
            headers: headers,
            body: ResponseBody(contentLength: bytes.count) { writer in
                self.recorder.record(.responseStarted(path: path, status: status))
                do {
                    for piece in pieces {
                        try await writer.write(ByteBuffer(bytes: piece))
                    }
                    try await writer.finish(nil)
                } catch {
                    self.recorder.record(.clientDisconnected(path: path))
                    throw error
                }
                self.recorder.record(.responseFinished(path: path))
            }
        )
    }

    /// A streamed (SSE) response following `plan`.
    ///
    /// When the scenario waits (an interval, a stall), the connection is watched so that the
    /// client going away ends the wait at once; such a connection is closed after the response.
    /// A whole (non-streamed) reply: sent after the scenario's pacing (its interval for every
    /// delta), cut in half under `malformed`, written in the scenario's pieces.
    func wholeReply(
        _ text: String, deltaCount: Int, headers: HTTPFields, scenario: FakeScenario, path: String, request: Request, context: FakeContext
    ) async throws -> Response {
        if scenario.intervalMilliseconds > 0 {
            try await waitBeforeResponding(request, context: context, duration: .milliseconds(scenario.intervalMilliseconds * deltaCount), path: path)
        }
        var bytes = Array(text.utf8)
        if scenario.malformed { bytes = Array(bytes.prefix(bytes.count / 2)) }
        return fixedResponse(status: 200, headers: headers, bytes: bytes, path: path, splitBytes: scenario.splitBytes)
    }

    func streamResponse(plan: StreamPlan, scenario: FakeScenario, headers: HTTPFields, path: String, request: Request) -> Response {
        let watch = scenario.intervalMilliseconds > 0 || plan.ending == .hang
        var headers = headers
        if watch { headers[.connection] = "close" }
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                if watch {
                    let latch = self.stopper.makeLatch()
                    defer { self.stopper.release(latch) }
                    try await request.body.consumeWithInboundCloseHandler { _ in
                        try await self.write(plan, scenario: scenario, path: path, to: &writer, latch: latch)
                    } onInboundClosed: {
                        latch.fire()
                    }
                } else {
                    try await self.write(plan, scenario: scenario, path: path, to: &writer, latch: nil)
                }
            }
        )
    }

    private func write(
        _ plan: StreamPlan,
        scenario: FakeScenario,
        path: String,
        to writer: inout any ResponseBodyWriter,
        latch: Latch?
    ) async throws {
        let interval = Duration.milliseconds(scenario.intervalMilliseconds)
        recorder.record(.responseStarted(path: path, status: 200))
        do {
            if let splitBytes = scenario.splitBytes {
                var all: [UInt8] = []
                var deltaStarts: [Int] = []
                var deltaEnds: [(end: Int, index: Int)] = []
                for frame in plan.frames {
                    if frame.deltaIndex != nil { deltaStarts.append(all.count) }
                    all += frame.bytes
                    if let index = frame.deltaIndex { deltaEnds.append((all.count, index)) }
                }
                var written = 0
                var next = 0
                var nextStart = 0
                for piece in Splitter.pieces(of: all, size: splitBytes) {
                    // Pace deltas, not pieces: wait before a piece where a delta begins.
                    if nextStart < deltaStarts.count, deltaStarts[nextStart] < written + piece.count {
                        while nextStart < deltaStarts.count, deltaStarts[nextStart] < written + piece.count { nextStart += 1 }
                        if interval > .zero { try await pause(interval, latch: latch) }
                    }
                    try await writer.write(ByteBuffer(bytes: piece))
                    written += piece.count
                    while next < deltaEnds.count, deltaEnds[next].end <= written {
                        recorder.record(.deltaSent(path: path, index: deltaEnds[next].index))
                        next += 1
                    }
                }
            } else {
                for frame in plan.frames {
                    if frame.deltaIndex != nil, interval > .zero { try await pause(interval, latch: latch) }
                    try await writer.write(ByteBuffer(bytes: frame.bytes))
                    if let index = frame.deltaIndex { recorder.record(.deltaSent(path: path, index: index)) }
                }
            }
            switch plan.ending {
            case .finish:
                try await writer.finish(nil)
                recorder.record(.responseFinished(path: path))
            case .drop:
                throw DeliberateDrop()
            case .hang:
                if let latch { await latch.wait() }
                throw ClientGone()
            }
        } catch let error as DeliberateDrop {
            throw error
        } catch {
            if !stopper.isStopping { recorder.record(.clientDisconnected(path: path)) }
            throw error
        }
    }

    /// Waits `duration`, or throws ``ClientGone`` as soon as the client goes away.
    private func pause(_ duration: Duration, latch: Latch?) async throws {
        guard let latch else {
            try await Task.sleep(for: duration)
            return
        }
        let gone = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(for: duration)
                    return false
                } catch {
                    return true
                }
            }
            group.addTask {
                await latch.wait()
                return true
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
        if gone { throw ClientGone() }
    }

    /// The faults that act before any response, the same for both APIs: `hang` (and, without
    /// streaming, `hang_after`) waits for the client to leave; `drop_after` without streaming
    /// closes the connection with no response at all.
    func applyFaultsBeforeResponse(
        _ scenario: FakeScenario, stream: Bool, request: Request, context: FakeContext, path: String
    ) async throws {
        if scenario.hang || (!stream && scenario.hangAfter != nil) {
            try await waitBeforeResponding(request, context: context, duration: nil, path: path)
        }
        if !stream, scenario.dropAfter != nil {
            try await dropWithoutResponse(context)
        }
    }

    /// Before any response: wait `duration` (or, if nil, forever) unless the client goes away,
    /// in which case this records `clientDisconnected` and throws.
    func waitBeforeResponding(_ request: Request, context: FakeContext, duration: Duration?, path: String) async throws {
        let latch = stopper.makeLatch()
        defer { stopper.release(latch) }
        do {
            try await request.body.consumeWithInboundCloseHandler { _ in
                if let duration {
                    try await self.pause(duration, latch: latch)
                } else {
                    await latch.wait()
                    throw ClientGone()
                }
            } onInboundClosed: {
                latch.fire()
            }
        } catch {
            if stopper.isStopping {
                // Stopping: end the connection rather than answer.
                try? await context.channel.close()
            } else {
                recorder.record(.clientDisconnected(path: path))
            }
            throw error
        }
    }

    /// Closes the connection without a response.
    func dropWithoutResponse(_ context: FakeContext) async throws -> Never {
        try? await context.channel.close()
        throw DeliberateDrop()
    }
}
