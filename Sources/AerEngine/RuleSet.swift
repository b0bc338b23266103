public import AerCore

/// The segments and lifecycle sets of a configuration, compiled for incremental evaluation: every
/// event-based leaf becomes a *feature* whose compact per-profile state is all the engine keeps.
public struct RuleSet: Sendable {
    /// A count of matching events, within a window or over all history.
    struct CountFeature: Hashable {
        var key: EventKey
        /// How many of the most recent timestamps to keep: enough to decide every comparison on it.
        var keep: Int
    }

    /// Which events a feature counts.
    struct EventKey: Hashable {
        var name: String
        var filters: [PropertyFilter]
        var window: AerDuration?
    }

    /// A numeric property of matching events, aggregated within a window or over all history.
    struct AggregateFeature: Hashable {
        var name: String
        var filters: [PropertyFilter]
        var property: String
        var window: AerDuration?
    }

    /// A compiled condition; leaves point at features by index.
    indirect enum Rule: Sendable {
        case all([Rule])
        case any([Rule])
        case not(Rule)
        case count(feature: Int, Comparison)
        case aggregate(feature: Int, AggregateFunction, Comparison)
        case trait(String, ValueTest)
        case firstSeen(RecencyRule)
        case lastSeen(RecencyRule)
        case sinceLast(event: Int, SinceLastRule.Bound)
        case predicted(PredictedRule)
    }

    /// A plain segment or a lifecycle set, compiled.
    struct Target: Sendable {
        var id: String
        var kind: MembershipKind
        /// Lifecycle: stage ids in order, the last the fallback. Segment: `[id]`.
        var stages: [String]
        /// One rule per stage; the fallback's is nil. Segment: its one rule.
        var rules: [Rule?]
    }

    var countFeatures: [CountFeature] = []
    var aggregateFeatures: [AggregateFeature] = []
    /// Event names whose last occurrence `since_last` reads.
    var lastEventNames: [String] = []
    /// Trait names any rule reads (the engine keeps only these).
    var traitNames: Set<String> = []
    /// Date-trait tests, for timers.
    var traitDateTests: [(trait: String, test: ValueTest)] = []
    var firstSeenRules: [RecencyRule] = []
    var lastSeenRules: [RecencyRule] = []
    var sinceLastRules: [(event: Int, bound: SinceLastRule.Bound)] = []
    /// Rules on model predictions, for timers.
    var predictedRules: [PredictedRule] = []
    var targets: [Target] = []
    /// Conditions evaluated on demand (trigger `if:` clauses), compiled over the same features.
    var extraRules: [Rule] = []
    /// For each event name, the features it feeds.
    var featuresByName: [String: (counts: [Int], aggregates: [Int], lasts: [Int])] = [:]

    /// Identifies the rules: a change of any segment or lifecycle definition changes it, so stored
    /// memberships are recomputed (cause `config`); strategy or template edits do not.
    public let fingerprint: String

    /// Compiles the lifecycle sets (first) and segments of a configuration.
    /// - Parameters:
    ///   - conditions: extra conditions to evaluate on demand with `SegmentationEngine.holds(condition:…)`,
    ///     by their index here (trigger `if:` clauses). They do not change the fingerprint.
    public init(segments: [SegmentDefinition], lifecycles: [LifecycleSet], conditions: [Condition] = []) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(lifecycles)|\(segments)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        fingerprint = String(hash, radix: 16)
        var countIndex: [EventKey: Int] = [:]
        var aggregateIndex: [AggregateFeature: Int] = [:]
        var lastIndex: [String: Int] = [:]

        func compile(_ condition: Condition) -> Rule {
            switch condition {
            case .all(let parts): return .all(parts.map(compile))
            case .any(let parts): return .any(parts.map(compile))
            case .not(let part): return .not(compile(part))
            case .event(let rule):
                let key = EventKey(name: rule.name, filters: rule.filters, window: rule.within)
                let needed = Self.keepCount(for: rule.count)
                if let index = countIndex[key] {
                    countFeatures[index].keep = max(countFeatures[index].keep, needed)
                    return .count(feature: index, rule.count)
                }
                countIndex[key] = countFeatures.count
                countFeatures.append(CountFeature(key: key, keep: needed))
                return .count(feature: countFeatures.count - 1, rule.count)
            case .aggregate(let rule):
                let feature = AggregateFeature(name: rule.event, filters: rule.filters, property: rule.property, window: rule.within)
                let index = aggregateIndex[feature] ?? {
                    aggregateFeatures.append(feature)
                    aggregateIndex[feature] = aggregateFeatures.count - 1
                    return aggregateFeatures.count - 1
                }()
                return .aggregate(feature: index, rule.function, rule.comparison)
            case .trait(let rule):
                traitNames.insert(rule.trait)
                switch rule.test {
                case .within, .olderThan: traitDateTests.append((rule.trait, rule.test))
                default: break
                }
                return .trait(rule.trait, rule.test)
            case .firstSeen(let rule):
                firstSeenRules.append(rule)
                return .firstSeen(rule)
            case .lastSeen(let rule):
                lastSeenRules.append(rule)
                return .lastSeen(rule)
            case .sinceLast(let rule):
                let index = lastIndex[rule.event] ?? {
                    lastEventNames.append(rule.event)
                    lastIndex[rule.event] = lastEventNames.count - 1
                    return lastEventNames.count - 1
                }()
                sinceLastRules.append((index, rule.bound))
                return .sinceLast(event: index, rule.bound)
            case .predicted(let rule):
                predictedRules.append(rule)
                return .predicted(rule)
            }
        }

        for set in lifecycles {
            targets.append(Target(id: set.id, kind: .lifecycle, stages: set.stages.map(\.id), rules: set.stages.map { $0.condition.map(compile) }))
        }
        for segment in segments {
            targets.append(Target(id: segment.id, kind: .segment, stages: [segment.id], rules: [compile(segment.condition)]))
        }
        extraRules = conditions.map(compile)
        for (index, feature) in countFeatures.enumerated() { featuresByName[feature.key.name, default: ([], [], [])].counts.append(index) }
        for (index, feature) in aggregateFeatures.enumerated() { featuresByName[feature.name, default: ([], [], [])].aggregates.append(index) }
        for (index, name) in lastEventNames.enumerated() { featuresByName[name, default: ([], [], [])].lasts.append(index) }
    }

    /// Timestamps to keep so that `count <op> n` is decided exactly: the count only matters up to n + 1.
    private static func keepCount(for comparison: Comparison) -> Int {
        max(1, Int(comparison.value.rounded(.up)) + 1)
    }

    /// Whether some rule reads a model prediction: only then does the engine keep purchase histories.
    public var usesPredictions: Bool { !predictedRules.isEmpty }

    /// The set and segment ids, in evaluation order.
    public var targetIds: [String] { targets.map(\.id) }
}
