import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, echoed in `X-Request-ID` on every response (errors included), and
/// turns every error into the API's JSON error shape.
///
/// It is the outermost middleware, so nothing a route or another middleware throws reaches the
/// client as Hummingbird's default body or as an internal description.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.usableID(request.headers[.xRequestID]) ?? Self.newID()
        context.logger[metadataKey: "request.id"] = .string(context.requestID)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.apiError(for: error, logger: context.logger).response(from: request, context: context)
        }
        response.headers[.xRequestID] = context.requestID
        return response
    }

    /// A client's id is echoed only if it is short, printable ASCII: it ends up in logs and headers.
    static func usableID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128,
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }

    /// 16 random bytes as hex.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(zeroPadded: high, width: 16, radix: 16) + String(zeroPadded: low, width: 16, radix: 16)
    }

    /// Maps anything thrown to the API's error shape, logging what nobody expected.
    static func apiError(for error: any Error, logger: Logger) -> APIError {
        let apiError = Self.apiError(for: error)
        // An APIError was logged where it was raised, with its context, and a 404 or 413 from
        // the router is routine; anything that becomes a 500 is a surprise worth an error line.
        if apiError.code == .internalError, !(error is APIError) {
            logger.error("request failed: \(String(reflecting: error))")
        }
        return apiError
    }

    /// Maps anything thrown to the API's error shape.
    static func apiError(for error: any Error) -> APIError {
        if let apiError = error as? APIError { return apiError }
        if let httpError = error as? HTTPError {
            switch httpError.status {
            case .notFound: return APIError(.notFound, "No such endpoint.")
            case .methodNotAllowed: return APIError(.notFound, "No such endpoint for this method.")
            case .contentTooLarge: return APIError(.payloadTooLarge, "The request body is too large.")
            case .badRequest: return APIError(.invalidRequest, "The request could not be read.")
            default: break
            }
        }
        return APIError(.internalError, "Something went wrong. Please try again.")
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    static let xRequestID = Self("X-Request-ID")!
    /// `X-Conversation-ID`: the stored conversation a chat turn belongs to.
    static let xConversationID = Self("X-Conversation-ID")!
    /// `X-Patchbay-Provider`: the provider of the target that answered a chat turn.
    static let xPatchbayProvider = Self("X-Patchbay-Provider")!
    /// `X-Patchbay-Model`: the model of the target that answered a chat turn.
    static let xPatchbayModel = Self("X-Patchbay-Model")!
    /// `X-Accel-Buffering`: `no` keeps nginx-style proxies from buffering a stream.
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}
