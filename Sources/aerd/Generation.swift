import AerConfig
import AerDispatch
import AerServer
import AerStore
import Logging

/// Everything the daemon derives from one reading of the configuration directory: the validated
/// configuration, its compiled rules, triggers and templates, and its built channel plugins.
///
/// Building one has no effect on what is serving, so a reload can build the next generation off to the side
/// and throw it away when anything in it is wrong.
struct Generation: Sendable {
    let configuration: AerConfiguration
    let assembly: Assembly
    let channels: [String: ConfiguredChannel]

    /// Reads, validates and builds everything from `directory`.
    /// - Returns: the generation, or every problem found, one `FILE:LINE:COLUMN: error: …` line each.
    static func load(directory: String, environment: [String: String], logger: Logger) async -> Result<Generation, GenerationErrors> {
        switch ConfigLoader.load(directory: directory, environment: environment) {
        case .success(let configuration): return await build(configuration, logger: logger)
        case .failure(let errors): return .failure(GenerationErrors(lines: errors.diagnostics.map(\.description)))
        }
    }

    /// Compiles and builds everything from a loaded configuration.
    /// - Returns: the generation, or every problem found, one `FILE:LINE:COLUMN: error: …` line each.
    static func build(_ configuration: AerConfiguration, logger: Logger) async -> Result<Generation, GenerationErrors> {
        let assembly: Assembly
        switch Assembly.compile(configuration) {
        case .success(let compiled): assembly = compiled
        case .failure(let errors): return .failure(GenerationErrors(lines: errors.diagnostics.map(\.description)))
        }
        switch await assembly.channels(logger: logger) {
        case .success(let channels):
            return .success(Generation(configuration: configuration, assembly: assembly, channels: channels))
        case .failure(let errors):
            return .failure(GenerationErrors(lines: errors.diagnostics.map(\.description)))
        }
    }

    /// What the HTTP server serves for this configuration, at `endpoint`.
    func serverOptions(at endpoint: Endpoint) -> ServerOptions {
        ServerOptions(
            host: endpoint.host, port: endpoint.port, maxBodyBytes: configuration.server.maxBodyBytes,
            adminToken: configuration.server.adminToken,
            writeKeys: configuration.ingest.writeKeys.map { ServerOptions.WriteKey(source: $0.source, key: $0.key) },
            catalog: configuration.catalog,
            optOut: configuration.optOut.map {
                ServerOptions.OptOut(secret: $0.secret, smsAuthToken: $0.smsAuthToken, smsInboundURL: $0.smsInboundURL)
            })
    }

    /// Settings that differ from `serving` but are only read at start, each as `key: old → new; restart aerd to apply`.
    func restartOnlyChanges(from serving: AerConfiguration, listenOverridden: Bool, stateOverridden: Bool) -> [String] {
        var changes: [String] = []
        let new = configuration
        if !listenOverridden, new.server.listen != serving.server.listen {
            changes.append("server.listen: \(serving.server.listen) → \(new.server.listen)")
        }
        if !stateOverridden, new.stateDirectory != serving.stateDirectory {
            changes.append("state_dir: \(serving.stateDirectory) → \(new.stateDirectory)")
        }
        if new.log != serving.log {
            changes.append("log: format and level are set at start")
        }
        if new.store != serving.store {
            changes.append("store: \(serving.store.path) (busy_timeout \(serving.store.busyTimeout)) → \(new.store.path) (busy_timeout \(new.store.busyTimeout))")
        }
        return changes.map { "\($0); restart aerd to apply" }
    }
}

/// Why a configuration could not be used: every problem, one line each with its file, line and column.
struct GenerationErrors: Error, CustomStringConvertible {
    var lines: [String]
    var description: String { lines.joined(separator: "\n") }
}
