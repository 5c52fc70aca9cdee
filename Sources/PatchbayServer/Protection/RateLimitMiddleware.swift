import Foundation
import HTTPTypes
import Hummingbird
import PatchbayRateLimit

/// Identifies the caller and puts `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
/// `X-RateLimit-Reset` on every response (and `Retry-After` on a 429).
///
/// It sits outside authentication so that a 401 carries the headers too (counted against the
/// client address), and reads the key id the auth middleware found through the shared
/// ``CallerRecord``. A chat turn's own decision, taken by the route, wins over a status lookup.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let caller = context.caller
        caller.address = RateLimiter.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor],
                                                   trustedProxies: context.settings.configuration.server.trustedProxies)
        do {
            var response = try await next(request, context)
            await apply(to: &response.headers, context: context, resetAsDate: Self.resetAsDate(request))
            return response
        } catch {
            var apiError = RequestIDMiddleware.apiError(for: error, logger: context.logger)
            await apply(to: &apiError.headers, context: context, resetAsDate: Self.resetAsDate(request))
            throw apiError
        }
    }

    /// Seed 004's routes give `X-RateLimit-Reset` as a time (`2024-01-01T00:01:00Z`); the others
    /// as epoch seconds, as GitHub's and most APIs' do.
    private static func resetAsDate(_ request: Request) -> Bool {
        request.uri.path.hasPrefix("/api/v1/")
    }

    private func apply(to headers: inout HTTPFields, context: Context, resetAsDate: Bool) async {
        let caller = context.caller
        if caller.apiKey == nil { context.requestLog.set("caller.id", .string(caller.address)) }
        var decision = caller.decision
        if decision == nil {
            let policy = limiter.callerPolicy(global: context.settings.configuration.limits, key: caller.apiKey)
            decision = await limiter.status(key: caller.key, policy: policy, onStoreFailure: context.settings.configuration.limitStore.onFailure,
                                            logger: context.logger)
        }
        for field in decision?.headerFields ?? [] {
            guard let name = HTTPField.Name(field.name) else { continue }
            if resetAsDate, name == .xRateLimitReset, let epoch = Double(field.value) {
                headers[name] = Date(timeIntervalSince1970: epoch).iso8601Seconds
            } else {
                headers[name] = field.value
            }
        }
    }
}

extension HTTPField.Name {
    /// `X-RateLimit-Reset`.
    static let xRateLimitReset = Self("X-RateLimit-Reset")!
    /// `X-Forwarded-For`.
    static let xForwardedFor = Self("X-Forwarded-For")!
}
