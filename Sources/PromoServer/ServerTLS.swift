import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the `tls*` settings into one `NIOSSLContext`, built once at start-up and shared by every connection
/// (parsing PEM and building the BoringSSL context per connection would cost a file read and a key parse each).
enum ServerTLS {
    /// The context to serve TLS with, or nil when TLS is off (no certificate configured).
    /// Every failure names the setting and the file, so an operator can fix it without reading code.
    static func makeContext(_ configuration: ServerConfiguration) throws(ServerError) -> NIOSSLContext? {
        guard let certificatePath = configuration.tlsCertificatePath,
            let privateKeyPath = configuration.tlsPrivateKeyPath
        else { return nil }

        let chain = try load("tlsCertificatePath", certificatePath, "a PEM certificate chain") {
            try NIOSSLCertificate.fromPEMFile($0)
        }
        let key = try load("tlsPrivateKeyPath", privateKeyPath, "an unencrypted PEM private key") {
            try NIOSSLPrivateKey(file: $0, format: .pem)
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = configuration.tlsMinimumVersion == "1.3" ? .tlsv13 : .tlsv12
        if let clientCAPath = configuration.tlsClientCAPath {
            let roots = try load("tlsClientCAPath", clientCAPath, "PEM CA certificates") {
                try NIOSSLCertificate.fromPEMFile($0)
            }
            // Verify the client's chain against our CA only (never the system's roots); a server cannot check
            // a client's host name. `.noHostnameVerification` also makes BoringSSL require a certificate.
            tls.trustRoots = .certificates(roots)
            tls.certificateVerification = .noHostnameVerification
            tls.sendCANameList = true
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw ServerError(
                .invalidArgument,
                "configuration: cannot use TLS certificate \(certificatePath) with key \(privateKeyPath) "
                    + "(does the key belong to the certificate?): \(error)",
                underlying: error)
        }
    }

    /// Reads one PEM file, turning "missing", "unreadable" and "not PEM" into messages that say which.
    private static func load<T>(
        _ setting: String, _ path: String, _ expected: String, _ parse: (String) throws -> [T]
    ) throws(ServerError) -> [T] {
        guard let file = fopen(path, "r") else {
            let reason = String(cString: strerror(errno))
            throw ServerError(.invalidArgument, "configuration: \(setting): cannot read \(path): \(reason)")
        }
        fclose(file)
        let values: [T]
        do {
            values = try parse(path)
        } catch {
            throw ServerError(
                .invalidArgument, "configuration: \(setting): \(path) is not \(expected): \(error)", underlying: error)
        }
        guard !values.isEmpty else {
            throw ServerError(.invalidArgument, "configuration: \(setting): \(path) holds no certificate")
        }
        return values
    }

    private static func load<T>(
        _ setting: String, _ path: String, _ expected: String, _ parse: (String) throws -> T
    ) throws(ServerError) -> T {
        try load(setting, path, expected) { [try parse($0)] }[0]
    }
}
