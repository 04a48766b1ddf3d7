import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TLS for a client connection: whom to trust, what certificate to show (mTLS) and which name to check.
///
/// Build it once and share it: the files are read and the BoringSSL context is made here, not per connection.
public final class ClientTLS: Sendable {
    let context: NIOSSLContext
    /// The name the server's certificate must carry (and the SNI sent); nil: the host connected to.
    let serverName: String?

    /// - Parameters:
    ///   - caPath: PEM CA certificate(s) to trust; nil trusts the system's roots.
    ///   - certificatePath, privateKeyPath: the client certificate chain and its unencrypted key, for a server
    ///     that requires client certificates. Both or neither.
    ///   - serverName: the name checked against the server's certificate; nil: the host given to `connect`.
    ///     An IP address is checked against the certificate's IP SANs.
    ///   - verifyHostname: check the name at all (the chain is always verified). Default true.
    public init(
        caPath: String? = nil, certificatePath: String? = nil, privateKeyPath: String? = nil,
        serverName: String? = nil, verifyHostname: Bool = true
    ) throws(PromoClientError) {
        guard (certificatePath == nil) == (privateKeyPath == nil) else {
            throw PromoClientError(.tls, "a TLS client certificate needs its private key and the other way round")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
        if let caPath {
            tls.trustRoots = .certificates(try Self.load("CA file", caPath) { try NIOSSLCertificate.fromPEMFile($0) })
        }
        if let certificatePath, let privateKeyPath {
            let chain = try Self.load("client certificate", certificatePath) { try NIOSSLCertificate.fromPEMFile($0) }
            let key = try Self.load("client key", privateKeyPath) { [try NIOSSLPrivateKey(file: $0, format: .pem)] }[0]
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(key)
        }
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw PromoClientError(.tls, "cannot set up TLS (does the client key belong to its certificate?): \(error)")
        }
        self.serverName = serverName
    }

    /// The TLS settings of a command-line tool: each nil argument falls back to its environment variable
    /// (`PROMO_TLS_CA`, `PROMO_TLS_CERT`, `PROMO_TLS_KEY`, `PROMO_TLS_SERVER_NAME`); nil when none is set,
    /// that is, plaintext. `enable` asks for TLS with the system's roots even when no file is named.
    public static func fromCommandLine(
        ca: String?, certificate: String?, key: String?, serverName: String?, enable: Bool = false
    ) throws(PromoClientError) -> ClientTLS? {
        func setting(_ value: String?, _ variable: String) -> String? {
            if let value, !value.isEmpty { return value }
            guard let raw = getenv(variable) else { return nil }
            let text = String(cString: raw)
            return text.isEmpty ? nil : text
        }
        let ca = setting(ca, "PROMO_TLS_CA")
        let certificate = setting(certificate, "PROMO_TLS_CERT")
        let key = setting(key, "PROMO_TLS_KEY")
        let serverName = setting(serverName, "PROMO_TLS_SERVER_NAME")
        guard enable || ca != nil || certificate != nil || key != nil || serverName != nil else { return nil }
        return try ClientTLS(caPath: ca, certificatePath: certificate, privateKeyPath: key, serverName: serverName)
    }

    /// The handler that speaks TLS to `host`. SNI carries a host name only, never an IP address.
    func makeHandler(host: String) throws -> NIOSSLClientHandler {
        let name = serverName ?? host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : name)
    }

    private static func load<T>(
        _ what: String, _ path: String, _ parse: (String) throws -> [T]
    ) throws(PromoClientError) -> [T] {
        guard let file = fopen(path, "r") else {
            throw PromoClientError(.tls, "cannot read the TLS \(what) \(path): \(String(cString: strerror(errno)))")
        }
        fclose(file)
        let values: [T]
        do {
            values = try parse(path)
        } catch {
            throw PromoClientError(.tls, "the TLS \(what) \(path) is not valid PEM: \(error)")
        }
        guard !values.isEmpty else { throw PromoClientError(.tls, "the TLS \(what) \(path) holds no certificate") }
        return values
    }
}

/// Completes `done` when the TLS handshake has finished, fails it when it fails, the connection closes first,
/// or `timeout` passes; so `connect` reports a TLS failure as such, not as a lost first call.
final class TLSHandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let done: EventLoopPromise<Void>
    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var finished = false

    init(done: EventLoopPromise<Void>, timeout: TimeAmount) {
        self.done = done
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.finish(.failure(PromoClientError(.tls, "TLS handshake not finished in time")))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            finish(.success(()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(PromoClientError(.tls, "TLS handshake failed: \(error)")))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(PromoClientError(.tls, "the server closed the connection during the TLS handshake")))
        context.fireChannelInactive()
    }

    /// Only the first outcome counts: later errors belong to the established connection, not the handshake.
    private func finish(_ outcome: Result<Void, any Error>) {
        guard !finished else { return }
        finished = true
        deadline?.cancel()
        done.completeWith(outcome)
    }
}
