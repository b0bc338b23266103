/// One metric family aerd exports: its Prometheus name, what it means, and for histograms its buckets.
struct MetricDefinition: Sendable {
    /// The family name, `aerd_…`, with `_total` for counters and the unit (`_seconds`, `_bytes`) where there is one.
    let name: String
    /// The `# HELP` line.
    let help: String
    /// Upper bounds of a histogram's buckets, in the metric's unit; empty for counters and gauges.
    let buckets: [Double]

    init(_ name: String, help: String, buckets: [Double] = []) {
        self.name = name
        self.help = help
        self.buckets = buckets
    }
}

/// Every family aerd exports. Labels come from the configuration (sets, stages, strategies, channels) or from
/// fixed lists, never from customer data, so the number of series stays bounded by the configuration.
enum MetricCatalog {
    static let ingestRequests = MetricDefinition(
        "aerd_ingest_requests_total",
        help: "Ingest requests by message type (batch for /v1/batch and /v1/import) and outcome.")
    static let ingestBytes = MetricDefinition(
        "aerd_ingest_bytes_total",
        help: "Request body bytes as received (before gzip decoding) by message type and outcome.")
    static let ingestEvents = MetricDefinition(
        "aerd_ingest_events_total",
        help: "Events in valid ingest requests by event type and outcome (accepted: committed to the log; unavailable: the store failed and the sender was told to retry).")
    static let ingestDuplicates = MetricDefinition(
        "aerd_ingest_duplicate_events_total",
        help: "Accepted events dropped because their source and messageId were already stored (re-sends).")
    static let migrations = MetricDefinition(
        "aerd_engine_migrations_total",
        help: "Customers moving between stages by set or segment, from and to (empty: not a member).")
    static let engineLag = MetricDefinition(
        "aerd_engine_lag_seconds",
        help: "Age of the oldest event the engine has not folded in yet; 0 when it is caught up.")
    static let timersDue = MetricDefinition(
        "aerd_engine_timers_due",
        help: "Customers whose time-driven re-evaluation is due and not yet done.")
    static let actions = MetricDefinition(
        "aerd_dispatch_actions_total",
        help: "Outbox rows finished by the dispatcher by strategy, channel and outcome.")
    static let deliveryLatency = MetricDefinition(
        "aerd_dispatch_delivery_seconds",
        help: "Time a channel plugin took to deliver one message (successful or not) by channel.",
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
    static let outboxDepth = MetricDefinition(
        "aerd_outbox_messages",
        help: "Outbox rows by status at the time of the scrape.")
    static let reloadSuccessful = MetricDefinition(
        "aerd_config_last_reload_successful",
        help: "Whether the last attempt to load the configuration succeeded (1) or failed and the previous one still serves (0).")
    static let reloadSuccessTime = MetricDefinition(
        "aerd_config_last_reload_success_timestamp_seconds",
        help: "When the serving configuration was loaded, in seconds since the Unix epoch.")
    static let configInfo = MetricDefinition(
        "aerd_config_info",
        help: "Always 1; the fingerprint label identifies the serving configuration files.")

    static let all = [
        ingestRequests, ingestBytes, ingestEvents, ingestDuplicates, migrations, engineLag, timersDue, actions,
        deliveryLatency, outboxDepth, reloadSuccessful, reloadSuccessTime, configInfo,
    ]
}
