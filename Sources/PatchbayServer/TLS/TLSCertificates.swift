import Logging
import NIOSSL
import PatchbayConfig
import Synchronization

/// The certificate chain and key the public listener presents, replaceable while it serves.
///
/// Every TLS handshake asks for the current pair (NIOSSL's per-handshake `sslContextCallback`),
/// so a reload that reads new files is served from the next connection on, without a restart.
/// A pair that does not load (unreadable, not PEM, a key that does not match the certificate)
/// is refused with a logged error, and the pair in use stays.
public final class TLSCertificates: Sendable {
    /// A certificate chain with its private key, checked to work together.
    struct Pair: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
    }

    private let current: Mutex<(pair: Pair, settings: TLSSettings)>

    /// Loads the pair `settings` names.
    /// - Throws: ``TLSCertificateError`` when it does not load.
    public init(_ settings: TLSSettings) throws(TLSCertificateError) {
        current = Mutex((try Self.load(settings), settings))
    }

    /// Reads the pair again (a reload), from `settings` or, when a reload's file has no `server.tls`
    /// (turning TLS off waits for a restart), from the files in use; keeps the pair in use, and
    /// returns why, when the new one does not load.
    @discardableResult
    func reload(_ settings: TLSSettings?, logger: Logger) -> TLSCertificateError? {
        let settings = settings ?? current.withLock { $0.settings }
        do {
            let pair = try Self.load(settings)
            current.withLock { $0 = (pair, settings) }
            logger.info("TLS certificate loaded", metadata: ["tls.certificate": .string(settings.certificatePath)])
            return nil
        } catch {
            logger.error("TLS certificate not replaced, the one in use stays: \(error)")
            return error
        }
    }

    /// The server's TLS configuration: the current pair at start, then asked again at each handshake;
    /// HTTP/2 and HTTP/1.1 offered by ALPN.
    func serverConfiguration() -> TLSConfiguration {
        let pair = current.withLock { $0.pair }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
        configuration.applicationProtocols = ["h2", "http/1.1"]
        configuration.sslContextCallback = { [self] _, promise in
            let pair = current.withLock { $0.pair }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return configuration
    }

    private static func load(_ settings: TLSSettings) throws(TLSCertificateError) -> Pair {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(settings.certificatePath)
        } catch {
            throw .unreadableCertificate(settings.certificatePath, cause: error)
        }
        guard !chain.isEmpty else { throw .unreadableCertificate(settings.certificatePath, cause: nil) }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: settings.privateKeyPath, format: .pem)
        } catch {
            throw .unreadableKey(settings.privateKeyPath, cause: error)
        }
        // A context built from the pair is where BoringSSL checks that the key is the certificate's.
        do {
            _ = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } catch {
            throw .mismatch(settings, cause: error)
        }
        return Pair(chain: chain, key: key)
    }
}

/// Why a TLS certificate or key was not loaded. Names the files, never their contents.
public struct TLSCertificateError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case unreadableCertificate, unreadableKey, mismatch
    }

    private let code: Code
    /// What went wrong, naming the file.
    public let message: String
    /// What NIOSSL said, if anything.
    public let cause: (any Error)?

    private init(_ code: Code, _ message: String, cause: (any Error)?) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message, and the cause when there is one.
    public var description: String { cause.map { "\(message) (\($0))" } ?? message }

    static func unreadableCertificate(_ path: String, cause: (any Error)?) -> Self {
        .init(.unreadableCertificate, "server.tls: cannot read a PEM certificate from \(path)", cause: cause)
    }

    static func unreadableKey(_ path: String, cause: (any Error)?) -> Self {
        .init(.unreadableKey, "server.tls: cannot read a PEM private key from \(path)", cause: cause)
    }

    static func mismatch(_ settings: TLSSettings, cause: (any Error)?) -> Self {
        .init(.mismatch, "server.tls: the private key \(settings.privateKeyPath) does not go with the certificate \(settings.certificatePath)", cause: cause)
    }
}
