import AerCore
import AerMetrics
import Testing

@Suite("Configuration metrics")
struct ConfigMetricsTests {
    private let start = Timestamp(iso8601: "2026-11-24T10:00:00Z")!

    @Test("a failed reload reads 0 and keeps the serving configuration's fingerprint and load time")
    func failedReload() {
        let metrics = DaemonMetrics()
        metrics.configLoaded(successful: true, fingerprint: "aaa111", at: start)
        metrics.configLoaded(successful: false, fingerprint: "bbb222", at: start + .minutes(5))
        let exposition = Exposition(metrics.exposition())
        #expect(exposition["aerd_config_last_reload_successful"] == 0)
        #expect(exposition["aerd_config_last_reload_success_timestamp_seconds"] == Double(start.millis) / 1000)
        #expect(exposition[#"aerd_config_info{fingerprint="aaa111"}"#] == 1)
        #expect(!exposition.hasSeries("aerd_config_info", containing: "bbb222"))
    }

    @Test("a successful reload with other files replaces the fingerprint series")
    func successfulReload() {
        let metrics = DaemonMetrics()
        metrics.configLoaded(successful: true, fingerprint: "aaa111", at: start)
        metrics.configLoaded(successful: true, fingerprint: "ccc333", at: start + .minutes(5))
        let exposition = Exposition(metrics.exposition())
        #expect(exposition["aerd_config_last_reload_successful"] == 1)
        #expect(exposition["aerd_config_last_reload_success_timestamp_seconds"] == Double(start.millis + 300_000) / 1000)
        #expect(exposition[#"aerd_config_info{fingerprint="ccc333"}"#] == 1)
        #expect(!exposition.hasSeries("aerd_config_info", containing: "aaa111"))
    }

    @Test("every family has HELP and TYPE lines before any scrape-time state is set")
    func freshRegistryIsValid() throws {
        let metrics = DaemonMetrics()
        metrics.configLoaded(successful: true, fingerprint: "aaa111", at: start)
        let text = metrics.exposition()
        #expect(text.contains("# HELP aerd_ingest_requests_total "))
        #expect(text.contains("# TYPE aerd_config_last_reload_successful gauge"))
        let verdict = try #require(try promtoolCheck(text))
        #expect(verdict.status == 0 && verdict.output.isEmpty, "promtool check metrics: \(verdict.output)")
    }
}
