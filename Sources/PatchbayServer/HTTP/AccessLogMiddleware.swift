import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware after the settings snapshot: security headers and `X-Process-Time` on every response, and one
/// access-log line per request — written when the response has ended, so a stream's line
/// carries its tokens and real duration.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    /// Where each request's count and duration go.
    let metrics: PatchbayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response = try await next(request, context)
        let headerTime = started.duration(to: .now)

        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        // `Strict-Transport-Security`, over TLS only: a browser ignores it on plain HTTP, and
        // sending it there would only say TLS is expected where it is not.
        if let strictTransportSecurity = context.settings.strictTransportSecurity, Self.arrivedOverTLS(request, context: context) {
            response.headers[.strictTransportSecurity] = strictTransportSecurity
        }
        // Time spent producing the response head, in seconds (for a stream: until it began).
        response.headers[.xProcessTime] = headerTime.decimalText(places: 6)
        // Of that, what Patchbay itself cost: the time spent waiting for providers left out.
        let overhead = max(.zero, headerTime - context.requestLog.upstreamTime)
        response.headers[.xPatchbayOverheadMs] = overhead.decimalText(per: 1000, places: 3)

        let line = AccessLine(request: request, route: context.endpointPath, status: response.status.code,
                              requestID: response.headers[.xRequestID], record: context.requestLog, started: started,
                              overhead: overhead, metrics: metrics, logger: context.logger)
        guard response.body.contentLength == nil else {
            line.write(outcome: nil)
            return response
        }
        // A stream: log when its body has been written (or failed).
        let body = response.body
        response.body = ResponseBody { writer in
            do {
                try await body.write(writer)
                line.write(outcome: nil)
            } catch {
                line.write(outcome: "client_gone")
                throw error
            }
        }
        return response
    }

    /// Whether the client's request came over TLS: to this server (`server.tls`), or to a trusted
    /// proxy that says so in `X-Forwarded-Proto` (the client-facing proxy's value, the first).
    static func arrivedOverTLS(_ request: Request, context: Context) -> Bool {
        if request.head.scheme == "https" { return true }
        guard let peer = context.peerAddress, context.settings.configuration.server.trustedProxies.contains(where: { $0.contains(peer) }),
              let proto = request.headers[.xForwardedProto]?.split(separator: ",").first
        else { return false }
        return proto.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }

    /// One access-log line's fixed part.
    struct AccessLine: Sendable {
        let method: String
        let path: String
        /// The matched route's pattern (`/api/conversations/{id}`), for metrics; nil when none matched.
        let route: String?
        let status: Int
        let requestID: String?
        let record: RequestLogRecord
        let started: ContinuousClock.Instant
        /// Patchbay's own time until the response head (`X-Patchbay-Overhead-Ms`).
        let overhead: Duration
        let metrics: PatchbayMetrics
        let logger: Logger

        init(request: Request, route: String?, status: Int, requestID: String?, record: RequestLogRecord,
             started: ContinuousClock.Instant, overhead: Duration, metrics: PatchbayMetrics, logger: Logger) {
            self.overhead = overhead
            self.method = request.method.rawValue
            self.path = request.uri.path
            self.route = route
            self.metrics = metrics
            self.status = status
            self.requestID = requestID
            self.record = record
            self.started = started
            self.logger = logger
        }

        func write(outcome: String?) {
            let duration = started.duration(to: .now)
            // Unmatched paths share one label: a scanner's random paths must not multiply series.
            metrics.requestEnded(method: method, route: route ?? "unmatched", status: status, duration: duration, overhead: overhead)
            var metadata = record.metadata
            metadata["http.method"] = .string(method)
            metadata["http.path"] = .string(path)
            metadata["http.status"] = .stringConvertible(status)
            metadata["duration_ms"] = .stringConvertible((duration.seconds * 1_000_000).rounded() / 1000)
            metadata["overhead_ms"] = .stringConvertible((overhead.seconds * 1_000_000).rounded() / 1000)
            if let requestID { metadata["request.id"] = .string(requestID) }
            if let outcome { metadata["outcome"] = .string(outcome) }
            logger.info("request", metadata: metadata)
        }
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-Proto`.
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    /// `X-Process-Time`: seconds spent producing the response head.
    static let xProcessTime = Self("X-Process-Time")!
    /// `X-Patchbay-Overhead-Ms`: of that, milliseconds Patchbay itself spent (providers' time left out).
    static let xPatchbayOverheadMs = Self("X-Patchbay-Overhead-Ms")!
    /// `Referrer-Policy`.
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// On the pages the host serves (`/`, `/widget/…`, `/chat`, `/docs`): a strict Content-Security-Policy for their HTML.
struct PageSecurityMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    /// Its own scripts and styles only, no inline code. The chat page's service worker and web app
    /// manifest are its own too (named, rather than left to `default-src`, so the policy says so).
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        }
        return response
    }
}
