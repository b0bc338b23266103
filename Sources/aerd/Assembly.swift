import AerAutomation
import AerConfig
import AerCore
import AerDispatch
import AerEngine
import AerPluginAPI
import AerRendering
import Foundation
import AerStore
import Logging

/// The parts every command derives from a configuration: compiled rules (with trigger conditions),
/// the trigger catalog, the compiled templates, and the renderer. Problems are configuration errors.
struct Assembly {
    let configuration: AerConfiguration
    let catalog: TriggerCatalog
    let rules: RuleSet
    let templates: TemplateLibrary

    /// Compiles the templates; prints every problem and exits 78 when any template is broken.
    init(_ configuration: AerConfiguration) throws {
        self.configuration = configuration
        catalog = TriggerCatalog(strategies: configuration.strategies)
        rules = RuleSet(segments: configuration.segments, lifecycles: configuration.lifecycles, conditions: catalog.conditions)
        switch TemplateLibrary.compile(configuration.templates) {
        case .success(let library):
            templates = library
        case .failure(let errors):
            printError(errors.description)
            throw SysExit.config
        }
    }

    /// The renderer for outbox messages.
    var renderer: TemplateActionRenderer {
        var kinds: [String: SegmentKind] = [:]
        for set in configuration.lifecycles { kinds[set.id] = set.kind }
        for segment in configuration.segments { kinds[segment.id] = segment.kind }
        return TemplateActionRenderer(
            library: templates,
            channelTypes: Dictionary(configuration.channels.map { ($0.id, $0.type.rawValue) }, uniquingKeysWith: { first, _ in first }),
            segmentKinds: kinds,
            unsubscribe: configuration.optOut.map { (UnsubscribeTokens(secret: $0.secret), $0.baseURL) })
    }

    /// The delivery policies.
    func policies(store: any Store, channels: [String: ConfiguredChannel]) -> PolicyPipeline {
        PolicyPipeline(
            strategies: configuration.strategies,
            defaults: .init(timezone: configuration.defaults.timezone, quietHours: configuration.defaults.quietHours,
                            frequencyCap: configuration.defaults.frequencyCap),
            store: store, personalChannels: channels.values.filter { $0.limits.consent.mode != .none }.map(\.id).sorted())
    }

    /// Builds every channel plugin; prints every problem and exits 78 when a channel's settings are unusable.
    func channels(logger: Logger) async throws -> [String: ConfiguredChannel] {
        switch await ChannelRegistry.build(configuration.channels, context: ChannelContext(logger: logger, userAgent: "aerd/\(AerdVersion.string)")) {
        case .success(let channels):
            return channels
        case .failure(let errors):
            printError(errors.description)
            throw SysExit.config
        }
    }
}
