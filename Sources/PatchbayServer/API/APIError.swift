import Foundation
import HTTPTypes
import Hummingbird
import PatchbayConfig

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
    /// The client-facing error for a plugin's failure. The plugin's own message goes to the log
    /// only: an upstream's message can carry account details the widget's user must not see.
    init(pluginFailureCode code: String) {
        switch code {
        case "PROVIDER_ERROR": self.init(.providerError, "The AI provider returned an error. Please try again.")
        case "PROVIDER_UNAVAILABLE": self.init(.providerUnavailable, "The AI provider is unavailable right now. Please try again shortly.")
        case "TIMEOUT": self.init(.timeout, "The AI provider took too long to answer. Please try again.")
        case "INVALID_REQUEST": self.init(.invalidRequest, "The AI provider could not accept this request.")
        default: self.init(.internalError, "Something went wrong while answering. Please try again.")
        }
    }
}
