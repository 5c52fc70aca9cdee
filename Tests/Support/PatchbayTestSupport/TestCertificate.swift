import Foundation

/// A self-signed certificate for 127.0.0.1 and localhost, made by Debian's `openssl`, with the
/// serial number asked for so that a test can tell which certificate a server presented.
package struct TestCertificate: Sendable {
    /// The certificate's PEM file.
    package let certificate: String
    /// The private key's PEM file.
    package let privateKey: String

    /// Writes `NAME.pem` and `NAME.key` into `directory`.
    /// - Parameter serial: the serial number, as `openssl x509 -serial` prints it (hexadecimal).
    package static func make(in directory: String, name: String, serial: String) async throws -> TestCertificate {
        let certificate = "\(directory)/\(name).pem", privateKey = "\(directory)/\(name).key"
        let run = try await ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=patchbay-test-\(name)", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-set_serial", "0x\(serial)", "-keyout", privateKey, "-out", certificate,
        ])
        guard run.status == 0 else { throw OpenSSLFailed(output: run.output) }
        return TestCertificate(certificate: certificate, privateKey: privateKey)
    }

    /// The serial number of the certificate a TLS server on `port` presents to a new connection
    /// (`openssl s_client`, whatever the certificate's trust).
    package static func servedSerial(port: Int) async throws -> String {
        let run = try await ChildProcess.run("/bin/sh", ["-c",
            "/usr/bin/openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null | /usr/bin/openssl x509 -noout -serial"])
        guard run.status == 0, let line = run.output.split(separator: "\n").first(where: { $0.hasPrefix("serial=") }) else {
            throw OpenSSLFailed(output: run.output)
        }
        return String(line.dropFirst("serial=".count))
    }

    package struct OpenSSLFailed: Error, CustomStringConvertible {
        package var output: String
        package var description: String { "openssl failed: \(output.suffix(1000))" }
    }
}
