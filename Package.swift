// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every target of ours: Swift 6 mode with strict concurrency is the package default.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "aerd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aerd", targets: ["aerd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // JSON values and a fast byte-level parser/writer; no dependencies.
        .target(name: "AerJSON", swiftSettings: strict),
        // Domain values: events, profiles, conditions, segments, strategies, durations, clock.
        .target(name: "AerCore", dependencies: ["AerJSON"], swiftSettings: strict),
        // Log records to standard error as text, JSON lines or journald lines, with secrets redacted.
        .target(
            name: "AerLogging",
            dependencies: ["AerCore", "AerJSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // YAML configuration directory → validated typed model, with file:line:column diagnostics.
        .target(
            name: "AerConfig",
            dependencies: ["AerCore", "AerLogging", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The Store protocol and its embedded SQLite implementation.
        .target(
            name: "AerStore",
            dependencies: ["AerCore", "AerJSON", "AerAnalytics", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        // Segment-spec messages (identify/track/page/screen/group/alias/batch) → validated events.
        .target(name: "AerIngest", dependencies: ["AerCore", "AerJSON"], swiftSettings: strict),
        // Bulk imports of CRM records, transactions and lost customers from CSV or NDJSON.
        .target(name: "AerImport", dependencies: ["AerCore", "AerJSON"], swiftSettings: strict),
        // Purchase, spend and lifetime-value models (BG/NBD, Gamma-Gamma, Markov-chain CLV); stdlib only.
        .target(name: "AerAnalytics", swiftSettings: strict),
        // The daemon's metric definitions (swift-metrics over a Prometheus registry) and their exposition.
        .target(
            name: "AerMetrics",
            dependencies: [
                "AerCore",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        // Customer-value models in use: refits on the store's purchases, on demand and on a schedule.
        .target(
            name: "AerValuation",
            dependencies: [
                "AerCore", "AerStore", "AerAnalytics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // HTTP: Segment ingest and the admin API.
        .target(
            name: "AerServer",
            dependencies: [
                "AerCore", "AerJSON", "AerIngest", "AerStore", "AerAutomation", "AerEngine", "AerMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Segmentation: compact per-customer state, memberships, migrations, next-change instants.
        .target(
            name: "AerEngine",
            dependencies: [
                "AerCore", "AerJSON", "AerStore", "AerMetrics", "AerAnalytics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Triggers and strategies: turns migrations and events into outbox rows; delivery policies.
        .target(
            name: "AerAutomation",
            dependencies: [
                "AerCore", "AerJSON", "AerStore", "AerEngine", "AerRendering", "AerDispatch",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Mustache templates compiled at config load, rendered per action; the payload envelope.
        .target(
            name: "AerRendering",
            dependencies: ["AerCore", "AerJSON", "AerConfig", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strict),
        // The small protocol every channel plugin implements; plugins import only this.
        .target(
            name: "AerPluginAPI",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // Channel plugins: one target per integration, each depending only on AerPluginAPI of ours.
        // SMS through a Twilio-compatible Messages API.
        .target(
            name: "SMSChannel",
            dependencies: [
                "AerPluginAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Plugins/SMS",
            swiftSettings: strict),
        // Signed HTTP POSTs following the Standard Webhooks specification.
        .target(
            name: "WebhookChannel",
            dependencies: [
                "AerPluginAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Plugins/Webhook",
            swiftSettings: strict),
        // Any program as a channel: the message as JSON on stdin, the outcome as the exit status.
        .target(
            name: "ExecChannel",
            dependencies: [
                "AerPluginAPI",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Exec",
            exclude: ["examples"],
            swiftSettings: strict),
        // systemd's notify protocol (READY, STATUS, RELOADING, STOPPING, WATCHDOG), spoken directly.
        .target(
            name: "AerSystemd",
            dependencies: [.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict),
        // The outbox worker: leases, retries with backoff and jitter, rate limits, dead letters; the channel registry.
        .target(
            name: "AerDispatch",
            dependencies: [
                "AerCore", "AerJSON", "AerStore", "AerConfig", "AerPluginAPI", "AerMetrics",
                "EmailChannel", "SMSChannel", "WebhookChannel", "ExecChannel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The daemon and its command line.
        .executableTarget(
            name: "aerd",
            dependencies: [
                "AerCore", "AerJSON", "AerConfig", "AerStore", "AerIngest", "AerImport", "AerServer", "AerEngine", "AerAutomation", "AerSystemd", "AerAnalytics", "AerLogging", "AerMetrics", "AerValuation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Benchmarks (run with `swift run -c release aerd-bench`), never part of the tests.
        .executableTarget(
            name: "aerd-bench",
            dependencies: [
                "AerCore", "AerJSON", "AerIngest", "AerStore", "AerEngine", "AerConfig", "AerDispatch", "AerPluginAPI", "AerMetrics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/aerd-bench",
            swiftSettings: strict),
        // The email channel: SMTP through the system's libcurl (Debian: libcurl4-openssl-dev).
        .systemLibrary(
            name: "CCurl", path: "Plugins/Email/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        // Non-variadic wrappers for curl_easy_setopt/curl_easy_getinfo, which Swift cannot call.
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Plugins/Email/CCurlShim"),
        // Email over SMTP (plain, STARTTLS, implicit TLS) with libcurl; RFC 5322/MIME messages.
        .target(
            name: "EmailChannel",
            dependencies: ["AerPluginAPI", "CCurlShim", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/Email/Sources",
            swiftSettings: strict),

        .testTarget(
            name: "EmailChannelTests", dependencies: ["EmailChannel", "AerPluginAPI", "ChannelTestKit", .product(name: "Logging", package: "swift-log")],
            exclude: ["smtp_server.py"]),
        .testTarget(name: "AerJSONTests", dependencies: ["AerJSON"]),
        .testTarget(name: "AerConfigTests", dependencies: ["AerConfig", "AerCore", "AerLogging"]),
        .testTarget(
            name: "AerLoggingTests",
            dependencies: ["AerLogging", "AerCore", "AerJSON", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AerStoreTests", dependencies: ["AerStore", "AerCore", "AerJSON"]),
        .testTarget(name: "AerEngineTests", dependencies: ["AerEngine", "AerStore", "AerCore", "AerJSON"]),
        .testTarget(name: "AerAutomationTests", dependencies: ["AerAutomation", "AerEngine", "AerStore", "AerCore", "AerJSON", "AerDispatch", "AerRendering", "AerConfig", "AerAnalytics"]),
        .testTarget(name: "AerIngestTests", dependencies: ["AerIngest", "AerCore", "AerJSON"]),
        .testTarget(name: "AerImportTests", dependencies: ["AerImport", "AerCore", "AerJSON"]),
        .testTarget(
            name: "AerServerTests",
            dependencies: [
                "AerServer", "AerStore", "AerConfig", "AerCore", "AerJSON", "AerEngine", "AerAutomation", "AerAnalytics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]),
        .testTarget(name: "AerRenderingTests", dependencies: ["AerRendering", "AerConfig", "AerCore", "AerJSON"]),
        .testTarget(name: "AerAnalyticsTests", dependencies: ["AerAnalytics"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "AerValuationTests",
            dependencies: [
                "AerValuation", "AerAnalytics", "AerEngine", "AerStore", "AerCore", "AerJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "aerdTests",
            dependencies: ["AerJSON", "AerCore", "AerStore", "AerEngine", "AerAutomation", "AerSystemd", "ChannelTestKit", "WebhookChannel"]),
        // Test helpers for the channel plugins: an HTTP receiver on 127.0.0.1 and a recording log handler.
        .target(
            name: "ChannelTestKit",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/ChannelTestKit",
            swiftSettings: strict),
        .testTarget(
            name: "SMSChannelTests",
            dependencies: [
                "SMSChannel", "AerPluginAPI", "ChannelTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "WebhookChannelTests",
            dependencies: [
                "WebhookChannel", "AerPluginAPI", "ChannelTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "AerDispatchTests",
            dependencies: [
                "AerDispatch", "AerStore", "AerCore", "AerJSON", "AerConfig", "AerPluginAPI", "AerServer", "WebhookChannel",
                "ChannelTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "AerMetricsTests",
            dependencies: [
                "AerMetrics", "AerServer", "AerStore", "AerEngine", "AerDispatch", "AerCore", "AerJSON", "AerConfig",
                "AerPluginAPI", "ChannelTestKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "ExecChannelTests",
            dependencies: ["ExecChannel", "AerPluginAPI", "ChannelTestKit", .product(name: "Logging", package: "swift-log")]),
    ]
)
