import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayJSON

/// An error in Anthropic's shape, `{"type":"error","error":{"type","message"}}`, with Anthropic's
/// statuses, so the SDK raises its own exception class.
struct AnthropicError: DoorError {
    let status: HTTPResponse.Status
    let type: String
    let message: String
    var headers: HTTPFields = [:]

    /// The Anthropic form of an error of the widget API (auth, limits, bodies) or of a turn.
    init(_ error: APIError) {
        message = error.message
        headers = error.headers
        switch error.code {
        case .invalidRequest: (status, type) = (.badRequest, "invalid_request_error")
        case .unauthorized: (status, type) = (.unauthorized, "authentication_error")
        case .forbidden: (status, type) = (.forbidden, "permission_error")
        case .notFound: (status, type) = (.notFound, "not_found_error")
        case .methodNotAllowed: (status, type) = (.methodNotAllowed, "invalid_request_error")
        case .payloadTooLarge: (status, type) = (.contentTooLarge, "request_too_large")
        case .rateLimited: (status, type) = (.tooManyRequests, "rate_limit_error")
        case .providerUnavailable, .shuttingDown: (status, type) = (HTTPResponse.Status(code: 529, reasonPhrase: "Overloaded"), "overloaded_error")
        case .providerError, .timeout, .internalError, .limitsUnavailable: (status, type) = (error.code.status, "api_error")
        }
    }

    /// `{"type":"error","error":{…}}`.
    var body: String {
        #"{"type":"error","error":{"type":""# + type + #"","message":"# + JSONText.string(message) + "}}"
    }
}
