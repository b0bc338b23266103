/// What the HTTP server needs to know, taken from the configuration (and `--listen`).
public struct ServerOptions: Sendable {
    /// Address to bind, e.g. `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free one (tests).
    public var port: Int
    /// Largest request body accepted, after gzip decoding; larger gets 413.
    public var maxBodyBytes: Int
    /// Bearer token for `/v1/profiles`, `/v1/segments`, … (the admin API).
    public var adminToken: String
    /// Write keys and the source name each stands for.
    public var writeKeys: [WriteKey]
    /// The configured segments and lifecycle sets, for `GET /v1/segments`.
    public var catalog: [CatalogEntry]
    /// Unsubscribe links and inbound SMS keywords; nil disables `/u/…` and `/v1/sms/inbound`.
    public var optOut: OptOut?

    /// The opt-out endpoints' secrets.
    public struct OptOut: Sendable, Hashable {
        public var secret: String
        public var smsAuthToken: String?
        public var smsInboundURL: String?

        public init(secret: String, smsAuthToken: String?, smsInboundURL: String?) {
            self.secret = secret
            self.smsAuthToken = smsAuthToken
            self.smsInboundURL = smsInboundURL
        }
    }

    /// A segment or lifecycle set as the admin API lists it.
    public struct CatalogEntry: Sendable, Hashable {
        public var id: String
        /// behavioural, lifecycle, value or intent.
        public var kind: String
        /// `segment` or `lifecycle`.
        public var type: String
        /// Lifecycle stages in order; empty for a segment.
        public var stages: [String]

        public init(id: String, kind: String, type: String, stages: [String]) {
            self.id = id
            self.kind = kind
            self.type = type
            self.stages = stages
        }
    }

    /// A Segment write key and the event source it names.
    public struct WriteKey: Sendable, Hashable {
        public var source: String
        public var key: String

        public init(source: String, key: String) {
            self.source = source
            self.key = key
        }
    }

    public init(host: String, port: Int, maxBodyBytes: Int, adminToken: String, writeKeys: [WriteKey], catalog: [CatalogEntry] = [], optOut: OptOut? = nil) {
        self.catalog = catalog
        self.optOut = optOut
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.adminToken = adminToken
        self.writeKeys = writeKeys
    }
}
