import Foundation
import PatchbayTestSupport
import Testing

/// `patchbay serve` with `server.tls`, as ops run it: the certificate renewed on disk, then SIGHUP.
@Suite("HTTPS in the real process", .timeLimit(.minutes(2)))
struct TLSProcessTests {
    @Test("SIGHUP re-reads the certificate: the next connection gets the new one, without a restart")
    func sighupRenewsTheCertificate() async throws {
        let deployment = try EchoDeployment(config: """
            plugins: {directory: ./plugins}
            server: {tls: {certificate: ./server.pem, private_key: ./server.key}}
            providers: {echo: {plugin: echo}}
            assistants: {default: {provider: echo, model: echo-1}}
            """)
        let directory = deployment.directory.path
        func install(_ serial: String) async throws {
            let made = try await TestCertificate.make(in: directory, name: "cert-\(serial)", serial: serial)
            #expect(rename(made.certificate, "\(directory)/server.pem") == 0 && rename(made.privateKey, "\(directory)/server.key") == 0)
        }
        try await install("4D4D")
        let server = try await ServerProcess(config: deployment.config)
        defer { server.kill(SIGTERM) }
        #expect(server.output.contains("listening: public https://127.0.0.1:\(server.port)"))
        #expect(try await TestCertificate.servedSerial(port: server.port) == "4D4D")

        try await install("5E5E")
        server.child.signal(SIGHUP)
        try await LiveHTTP.eventually(30) { try await TestCertificate.servedSerial(port: server.port) == "5E5E" }
        #expect(server.output.contains("TLS certificate loaded"))
    }
}
