// Hand-written shorthands over the generated messages (Generated/Messages.swift): the generator gives every
// message only `init()` and `with {}`; the initialisers the callers use most are spelled out here.

extension Status {
    public init(_ code: StatusCode, _ message: String = "") {
        self.init()
        self.code = code
        self.message = message
    }

    public static let ok = Status(.ok)
}

extension Count {
    public init(_ key: String, _ count: UInt64) {
        self.init()
        self.key = key
        self.count = count
    }
}

extension HelloRequest {
    public init(apiKey: String, clientName: String = "") {
        self.init()
        self.apiKey = apiKey
        self.clientName = clientName
    }
}

extension Request {
    /// One client → server message: a client-chosen id and exactly one call.
    public init(requestId: UInt64, _ call: Call) {
        self.init()
        self.requestId = requestId
        self.call = call
    }
}

extension Response {
    /// One server → client message: the echoed id, the transport status and, on OK, the call's result.
    public init(requestId: UInt64, status: Status = .ok, _ result: Result? = nil) {
        self.init()
        self.requestId = requestId
        self.status = status
        self.result = result
    }
}
