import CCurl

#if canImport(Glibc)
import Glibc
#endif

/// One transfer's libcurl handle, buffers, clocks and response parsing. Created on any thread,
/// then owned by the event thread alone.
final class TransferState {
    let transfer: HTTPTransfer
    let request: HTTPRequest
    let timeouts: HTTPTimeouts
    private var delegate: (any HTTPResponseDelegate)?

    var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var body: UnsafeMutableRawPointer?
    private var errorBuffer: UnsafeMutablePointer<CChar>?

    var startedAt = ContinuousClock.now
    /// Told when the first byte arrives: the idle deadline that replaces the first-byte one may
    /// come sooner than the loop's next deadline scan. Set while the transfer is in libcurl.
    var onFirstByte: ((ContinuousClock.Instant) -> Void)?
    private var firstByteAt: ContinuousClock.Instant?
    private var lastByteAt = ContinuousClock.now
    /// Whether libcurl holds the transfer's receiving side paused (flow control).
    private var paused = false

    /// The final head, once delivered.
    private(set) var head: HTTPResponseHead?
    private var blockStatus: Int?
    private var blockVersion = ""
    private var blockReason = ""
    private var blockHeaders = HTTPHeaders()

    /// libcurl's per-transfer receive buffer (`CURLOPT_BUFFERSIZE`; its minimum is 1 KiB).
    static let receiveBufferBytes = 4096

    init(transfer: HTTPTransfer, request: HTTPRequest, timeouts: HTTPTimeouts, delegate: sending any HTTPResponseDelegate) {
        self.transfer = transfer
        self.request = request
        self.timeouts = timeouts
        self.delegate = delegate
    }

    deinit {
        releaseCurl(multi: nil)
    }

    // MARK: Setup

    /// Sets every option on `easy`; returns an error if the request cannot be made.
    func configure(_ easy: UnsafeMutableRawPointer, configuration: HTTPTransport.Configuration) -> HTTPTransportError? {
        func long(_ option: CURLoption, _ value: Int) -> Bool { patchbay_curl_easy_setopt_long(easy, option, value) == CURLE_OK }
        func string(_ option: CURLoption, _ value: String) -> Bool { patchbay_curl_easy_setopt_string(easy, option, value) == CURLE_OK }

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        self.errorBuffer = errorBuffer
        _ = patchbay_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)

        guard string(CURLOPT_URL, request.url) else {
            return HTTPTransportError(code: .invalidRequest, message: "the URL is not valid")
        }
        _ = long(CURLOPT_NOSIGNAL, 1)
        _ = long(CURLOPT_TCP_NODELAY, 1)
        _ = long(CURLOPT_TCP_KEEPALIVE, 1)
        _ = long(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        // libcurl's receive buffer, allocated per transfer and held while it runs (16 KiB by
        // default). Streamed events are a few hundred bytes, so a held stream paid 16 KiB for
        // nothing (heaptrack, 500 held streams: libcurl 13.6 -> 7.5 MB); a large whole reply
        // simply arrives in more pieces.
        _ = long(CURLOPT_BUFFERSIZE, Self.receiveBufferBytes)
        if let bytes = configuration.receiveBufferBytes { _ = patchbay_curl_easy_cap_receive_buffer(easy, bytes) }
        if configuration.preferHTTP2 {
            _ = long(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
            // Over TLS, wait for a connection being set up rather than open a second one: it
            // may turn out to be HTTP/2 and carry this transfer too. Plain http is HTTP/1.1
            // here, and waiting there would park the transfer until another one finishes.
            if request.url.lowercased().hasPrefix("https:") { _ = long(CURLOPT_PIPEWAIT, 1) }
        } else {
            _ = long(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        }
        if let connect = timeouts.connect {
            _ = long(CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, millisecondsRoundingUp(connect))))
        }
        if let agent = configuration.userAgent, !request.headers.contains("User-Agent") {
            _ = string(CURLOPT_USERAGENT, agent)
        }

        let method = request.method.uppercased()
        switch method {
        case "GET":
            _ = long(CURLOPT_HTTPGET, 1)
        case "HEAD":
            _ = long(CURLOPT_NOBODY, 1)
        default:
            if method == "POST" {
                _ = long(CURLOPT_POST, 1)
            } else {
                _ = string(CURLOPT_CUSTOMREQUEST, method)
            }
            if method == "POST" || !request.body.isEmpty {
                // Kept alive until the transfer is released: libcurl reads it as it sends.
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, request.body.count), alignment: 1)
                request.body.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
                }
                body = buffer
                _ = patchbay_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
                _ = patchbay_curl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, buffer)
            }
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for field in request.headers {
            // "Name;" sends an empty header; "Name:" would remove it.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                return HTTPTransportError(code: .invalidRequest, message: "a header could not be added")
            }
            list = appended
        }
        if !request.headers.contains("Expect") {
            // No "Expect: 100-continue" round trip before a large body.
            list = curl_slist_append(list, "Expect:") ?? list
        }
        headerList = list
        _ = patchbay_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, list)

        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = patchbay_curl_easy_setopt_header_function(easy, curlHeaderCallback)
        _ = patchbay_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        _ = patchbay_curl_easy_setopt_write_function(easy, curlWriteCallback)
        _ = patchbay_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        return nil
    }

    /// Removes the handle from `multi` (if given) and frees everything libcurl was lent.
    func releaseCurl(multi: UnsafeMutableRawPointer?) {
        onFirstByte = nil
        if let easy {
            if let multi { curl_multi_remove_handle(multi, easy) }
            curl_easy_cleanup(easy)
            self.easy = nil
        }
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        if let body {
            body.deallocate()
            self.body = nil
        }
        if let errorBuffer {
            errorBuffer.deallocate()
            self.errorBuffer = nil
        }
    }

    /// Hands the result to the delegate and lets it go: exactly once.
    func complete(_ result: Result<HTTPResponseHead, HTTPTransportError>) {
        guard let delegate else { return }
        self.delegate = nil
        delegate.didComplete(result, transfer: transfer)
    }

    // MARK: Deadlines

    /// The earliest deadline still ahead of this transfer, with the error it gives.
    func nextDeadline() -> (instant: ContinuousClock.Instant, error: HTTPTransportError)? {
        var best: (instant: ContinuousClock.Instant, error: HTTPTransportError)?
        func consider(_ instant: ContinuousClock.Instant, _ code: HTTPTransportError.Code, _ message: @autoclosure () -> String) {
            if best == nil || instant < best!.instant {
                best = (instant, HTTPTransportError(code: code, message: message(), head: head))
            }
        }
        // A pause is ours, not the server's: no first-byte or idle deadline runs meanwhile.
        if firstByteAt == nil, !paused, let limit = timeouts.firstByte {
            consider(startedAt.advanced(by: limit), .firstByteTimeout, "no response within \(limit)")
        }
        if firstByteAt != nil, !paused, let limit = timeouts.idle {
            consider(lastByteAt.advanced(by: limit), .idleTimeout, "the response stalled for \(limit)")
        }
        if let limit = timeouts.total {
            consider(startedAt.advanced(by: limit), .totalTimeout, "the transfer took longer than \(limit)")
        }
        return best
    }

    // MARK: Flow control (event thread)

    /// Brings libcurl to the pause state the transfer wants.
    func applyPause() {
        guard let easy else { return }
        let wanted = transfer.isPauseWanted
        guard wanted != paused else { return }
        paused = wanted
        if !wanted { lastByteAt = .now }  // the idle clock starts over where the pause ends
        // Resuming may deliver the bytes libcurl kept, from inside this call.
        _ = patchbay_curl_easy_pause_receiving(easy, wanted ? 1 : 0)
    }

    /// Whether a body callback must pause the transfer rather than take its bytes: a pause was
    /// asked while libcurl was reading, so the bytes it holds wait in libcurl, not in the plugin.
    fileprivate func pausesBeforeBody() -> Bool {
        guard transfer.isPauseWanted, !transfer.isCancelled else { return false }
        paused = true
        return true
    }

    // MARK: Results

    /// Maps libcurl's result to the transfer's.
    func result(for code: CURLcode) -> Result<HTTPResponseHead, HTTPTransportError> {
        if code == CURLE_OK {
            if let head { return .success(head) }
            var status = 0
            if let easy { _ = patchbay_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
            return .success(HTTPResponseHead(status: status, version: "", reason: "", headers: blockHeaders))
        }
        if transfer.isCancelled, code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK {
            return .failure(HTTPTransportError(code: .cancelled, message: "the transfer was cancelled", head: head))
        }
        let errorCode: HTTPTransportError.Code
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR:
            errorCode = .connectFailed
        case CURLE_OPERATION_TIMEDOUT:
            // Only the connect deadline is left to libcurl; the others are the event thread's.
            errorCode = firstByteAt == nil ? .connectTimeout : .totalTimeout
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER:
            errorCode = .tlsFailed
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            errorCode = .invalidRequest
        default:
            errorCode = .transferFailed
        }
        var message = String(cString: curl_easy_strerror(code))
        if let errorBuffer, errorBuffer.pointee != 0 {
            message += ": " + String(cString: errorBuffer)
        }
        return .failure(HTTPTransportError(code: errorCode, message: message, head: head))
    }

    // MARK: Callbacks (event thread, inside curl_multi_perform)

    private func touch() {
        let now = ContinuousClock.now
        lastByteAt = now
        if firstByteAt == nil {
            firstByteAt = now
            if let deadline = nextDeadline()?.instant { onFirstByte?(deadline) }
        }
    }

    /// One header line, CRLF included. Returns false to abort the transfer.
    func receiveHeader(_ raw: UnsafeRawBufferPointer) -> Bool {
        touch()
        if transfer.isCancelled { return false }
        guard head == nil else { return true }  // trailers after the body: ignored
        var end = raw.count
        while end > 0, raw[end - 1] == 0x0A || raw[end - 1] == 0x0D { end -= 1 }
        if end == 0 {
            // The end of a header block: a final status delivers the head, a 1xx starts over.
            guard let status = blockStatus else { return true }
            if status >= 200 || status == 101 {
                deliverHead(HTTPResponseHead(status: status, version: blockVersion, reason: blockReason, headers: blockHeaders))
            }
            blockStatus = nil
            blockHeaders = HTTPHeaders()
            return !transfer.isCancelled
        }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            blockVersion = parts.first.map(String.init) ?? ""
            blockStatus = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            blockReason = parts.count > 2 ? parts[2].trimmingWhitespace() : ""
            blockHeaders = HTTPHeaders()
        } else if raw[0] == 0x20 || raw[0] == 0x09, let last = blockHeaders.fields.last {
            // An obsolete folded line continues the previous field.
            var fields = blockHeaders.fields
            fields[fields.count - 1] = HTTPHeaders.Field(name: last.name, value: last.value + " " + line.trimmingWhitespace())
            blockHeaders = HTTPHeaders(fields)
        } else if let colon = line.firstIndex(of: ":") {
            blockHeaders.add(
                name: line[..<colon].trimmingWhitespace(),
                value: line[line.index(after: colon)...].trimmingWhitespace())
        }
        return true
    }

    /// A piece of the body. Returns false to abort the transfer.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        touch()
        if transfer.isCancelled { return false }
        if head == nil {
            var status = 0
            if let easy { _ = patchbay_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
            deliverHead(HTTPResponseHead(status: blockStatus ?? status, version: blockVersion, reason: blockReason, headers: blockHeaders))
            if transfer.isCancelled { return false }
        }
        if !bytes.isEmpty { delegate?.didReceiveBody(bytes, transfer: transfer) }
        return !transfer.isCancelled
    }

    private func deliverHead(_ head: HTTPResponseHead) {
        self.head = head
        delegate?.didReceiveHead(head, transfer: transfer)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}

private let curlHeaderCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return state.receiveHeader(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private let curlWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    if state.pausesBeforeBody() { return patchbay_curl_writefunc_pause() }
    let length = size * count
    return state.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}
