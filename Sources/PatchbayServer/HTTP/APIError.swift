import PatchbayJSON
import Foundation
import HTTPTypes
import Hummingbird
import PatchbayJSON

/// An error as a client sees it: `{"error":{"message":"…","code":"…","details":{…}}}` with the
/// HTTP status of its code. Messages are written for a widget's user; they never carry a key,
/// an upstream's raw message, or anything internal.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    /// The error codes of the API, with their HTTP statuses.
    public enum Code: String, Sendable, CaseIterable {
        case invalidRequest = "INVALID_REQUEST"
        case unauthorized = "UNAUTHORIZED"
        case forbidden = "FORBIDDEN"
        case notFound = "NOT_FOUND"
        case methodNotAllowed = "METHOD_NOT_ALLOWED"
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        case rateLimited = "RATE_LIMITED"
        case internalError = "INTERNAL_ERROR"
        case providerError = "PROVIDER_ERROR"
        case providerUnavailable = "PROVIDER_UNAVAILABLE"
        case timeout = "TIMEOUT"
        case shuttingDown = "SHUTTING_DOWN"
        case limitsUnavailable = "LIMITS_UNAVAILABLE"

        /// The HTTP status that goes with the code.
        public var status: HTTPResponse.Status {
            switch self {
            case .invalidRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .payloadTooLarge: .contentTooLarge
            case .rateLimited: .tooManyRequests
            case .internalError: .internalServerError
            case .providerError: .badGateway
            case .providerUnavailable: .serviceUnavailable
            case .timeout: .gatewayTimeout
            case .shuttingDown: .serviceUnavailable
            case .limitsUnavailable: .serviceUnavailable
            }
        }
    }

    /// The code.
    public let code: Code
    /// What happened, for the end user.
    public let message: String
    /// The request field at fault, if one is (`details.field`).
    public let field: String?
    /// Header fields the response carries besides the content type (rate-limit headers, say).
    public var headers: HTTPFields = [:]

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The HTTP status.
    public var status: HTTPResponse.Status { code.status }

    /// The error object, as it appears in a JSON body and in a last SSE event.
    public var jsonObject: String {
        var json = #"{"message":"# + JSONText.string(message) + #","code":""# + code.rawValue + #"""#
        if let field { json += #","details":{"field":"# + JSONText.string(field) + "}" }
        return json + "}"
    }

    /// The whole JSON body.
    public var jsonBody: String { #"{"error":"# + jsonObject + "}" }

    /// Renders the error as a JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        if code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonBody)))
    }
}

extension APIError {
    /// The widget API's form of a turn's error.
    init(_ error: TurnError) {
        let code: Code
        switch error.code {
        case .invalidRequest: code = .invalidRequest
        case .notFound: code = .notFound
        case .forbidden: code = .forbidden
        case .rateLimited: code = .rateLimited
        case .providerError: code = .providerError
        case .providerUnavailable: code = .providerUnavailable
        case .timeout: code = .timeout
        case .shuttingDown: code = .shuttingDown
        case .limitsUnavailable: code = .limitsUnavailable
        default: code = .internalError
        }
        self.init(code, error.message, field: error.field)
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
    }
}
