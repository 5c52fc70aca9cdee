import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayJSON

/// An error in OpenAI's shape, `{"error":{"message","type","param","code"}}`, with OpenAI's
/// statuses, so each SDK raises its own exception class (NotFoundError, RateLimitError, …).
struct OpenAIError: DoorError {
    let status: HTTPResponse.Status
    let type: String
    let code: String?
    let message: String
    let param: String?
    var headers: HTTPFields = [:]

    /// The OpenAI form of an error of the widget API (auth, limits, bodies) or of a turn.
    init(_ error: APIError) {
        message = error.message
        param = error.field == "assistantType" ? "model" : error.field
        headers = error.headers
        switch error.code {
        case .invalidRequest: (status, type, code) = (.badRequest, "invalid_request_error", nil)
        case .unauthorized: (status, type, code) = (.unauthorized, "invalid_request_error", "invalid_api_key")
        case .forbidden: (status, type, code) = (.forbidden, "invalid_request_error", "permission_denied")
        case .notFound: (status, type, code) = (.notFound, "invalid_request_error", param == "model" ? "model_not_found" : "not_found")
        case .methodNotAllowed: (status, type, code) = (.methodNotAllowed, "invalid_request_error", "method_not_allowed")
        case .payloadTooLarge: (status, type, code) = (.contentTooLarge, "invalid_request_error", "request_too_large")
        case .rateLimited: (status, type, code) = (.tooManyRequests, "requests", "rate_limit_exceeded")
        case .providerError: (status, type, code) = (.badGateway, "api_error", "upstream_error")
        case .providerUnavailable, .shuttingDown, .limitsUnavailable: (status, type, code) = (.serviceUnavailable, "server_error", "unavailable")
        case .timeout: (status, type, code) = (.gatewayTimeout, "server_error", "timeout")
        case .internalError: (status, type, code) = (.internalServerError, "server_error", nil)
        }
    }

    /// `{"error":{…}}`.
    var body: String {
        #"{"error":{"message":"# + JSONText.string(message) + #","type":""# + type + #"","param":"#
            + JSONText.stringOrNull(param) + #","code":"# + JSONText.stringOrNull(code) + "}}"
    }
}
