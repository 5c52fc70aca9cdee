import Foundation
import HTTPTypes
import PatchbayJSON

/// An error in seed 004's shape: `{error, code, status_code, request_id, timestamp, details}`,
/// with 004's codes (INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, RATE_LIMITED,
/// PROVIDER_ERROR, TIMEOUT, INTERNAL_ERROR) and their statuses.
struct APIv1Error: DoorError {
    private let error: APIError
    private var requestID = ""

    init(_ error: APIError) {
        self.error = error
    }

    var status: HTTPResponse.Status { error.status }
    var headers: HTTPFields {
        var headers = error.headers
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return headers
    }

    mutating func attach(requestID: String) { self.requestID = requestID }

    var body: String {
        var details = "{}"
        if let field = error.field { details = #"{"field":"# + JSONText.string(field) + "}" }
        return #"{"error":"# + JSONText.string(error.message) + #","code":""# + Self.code(error.code) + #"","status_code":\#(error.status.code),"#
            + #""request_id":"# + JSONText.string(requestID) + #","timestamp":""# + Date().iso8601Seconds + #"","details":"# + details + "}"
    }

    /// 004's code for one of the API's: the seed names eight; the others map to the nearest (an
    /// unavailable provider is a provider error to 004's clients; a server on its way down, or
    /// limits that cannot be checked, an internal one: the status stays 503).
    static func code(_ code: APIError.Code) -> String {
        switch code {
        case .methodNotAllowed, .payloadTooLarge: "INVALID_REQUEST"
        case .providerUnavailable: "PROVIDER_ERROR"
        case .shuttingDown, .limitsUnavailable: "INTERNAL_ERROR"
        default: code.rawValue
        }
    }
}
