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
        switch Self.compile(configuration) {
        case .success(let assembly):
            self = assembly
        case .failure(let errors):
            printError(errors.description)
            throw SysExit.config
        }
    }

    private init(configuration: AerConfiguration, catalog: TriggerCatalog, templates: TemplateLibrary) {
        self.configuration = configuration
        self.catalog = catalog
        self.templates = templates
        rules = RuleSet(segments: configuration.segments, lifecycles: configuration.lifecycles, conditions: catalog.conditions)
    }

    /// Compiles rules, triggers and templates; every template problem when any template is broken.
    static func compile(_ configuration: AerConfiguration) -> Result<Assembly, TemplateErrors> {
        TemplateLibrary.compile(configuration.templates).map {
            Assembly(configuration: configuration, catalog: TriggerCatalog(strategies: configuration.strategies), templates: $0)
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

    /// Builds every channel plugin, or every problem when a channel's settings are unusable.
    func channels(logger: Logger) async -> Result<[String: ConfiguredChannel], ChannelBuildErrors> {
        await ChannelRegistry.build(configuration.channels, context: ChannelContext(logger: logger, userAgent: "aerd/\(AerdVersion.string)"))
    }
}
