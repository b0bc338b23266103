import AerCore
import AerJSON

/// `strategies/*.yaml`: strategies, their policies, triggers and actions. References to segments, lifecycle
/// sets, stages, channels and templates are checked against `model`, which already holds everything else.
extension ConfigReader {
    mutating func strategiesFile(_ root: Fields, into model: inout ConfigModel) {
        checkKeys(root, allowed: ["strategies"], in: "a strategies file")
        guard let value = root["strategies"], let items = list(value, of: "strategies") else { return }
        for item in items {
            if let strategy = strategy(item, &model) { model.strategies.append(strategy) }
        }
    }

    private mutating func strategy(_ node: YAMLNode, _ model: inout ConfigModel) -> Strategy? {
        let keys = ["id", "aer", "positioning", "priority", "policy", "triggers"]
        guard let fields = mapping(node, "a strategy", allowed: keys, in: "strategy") else { return nil }
        let id = required(fields, "id").flatMap { identifier($0) }
        if let id, let idNode = fields["id"] { register(id, idNode, in: &model.strategyIDs, "strategy") }
        var aer: AERFamily?
        if let value = required(fields, "aer") { aer = enumValue(value, AERFamily.self, "AER family") }
        let positioning = required(fields, "positioning", hint: "say whom the strategy is for and what the shop is for them")
            .flatMap { nonEmptyString($0) }
        let priority = fields["priority"].map { int($0) }
        let policy = fields["policy"].map { self.policy($0, model) }
        var triggers: [Trigger]?
        if let value = required(fields, "triggers"), let items = list(value, of: "triggers") {
            if items.isEmpty { error(value.location, "'triggers' needs at least one trigger") }
            var ids: [String: SourceLocation] = [:]
            var decoded: [Trigger] = []
            for (index, item) in items.enumerated() {
                if let trigger = trigger(item, index: index, strategy: id, &ids, model) { decoded.append(trigger) }
            }
            if !items.isEmpty, decoded.count == items.count { triggers = decoded }
        }
        guard let id, let aer, let positioning, priority != .some(nil), policy != .some(nil), let triggers else { return nil }
        return Strategy(id: id, aer: aer, positioning: positioning, priority: priority.flatMap { $0 } ?? 0,
                        policy: policy.flatMap { $0 } ?? Policy(), triggers: triggers)
    }

    // MARK: Policy

    private mutating func policy(_ node: YAMLNode, _ model: ConfigModel) -> Policy? {
        let keys = ["holdout", "frequency_cap", "quiet_hours", "goal"]
        guard let fields = mapping(node, "a policy", allowed: keys, in: "policy") else { return nil }
        let holdout = fields["holdout"].map { self.holdout($0) }
        let cap = fields["frequency_cap"].map { frequencyCap($0, model) }
        let quiet = fields["quiet_hours"].map { quietHours($0) }
        let goal = fields["goal"].map { self.goal($0) }
        guard holdout != .some(nil), cap != .some(nil), quiet != .some(nil), goal != .some(nil) else { return nil }
        return Policy(holdout: holdout.flatMap { $0 } ?? 0, frequencyCap: cap ?? nil, quietHours: quiet ?? nil, goal: goal ?? nil)
    }

    /// `10%` or a fraction `0.1`, as a fraction 0…1.
    private mutating func holdout(_ node: YAMLNode) -> Double? {
        let hint = "write a percentage such as 10% or a fraction such as 0.1"
        let fraction: Double
        switch node.content {
        case .number(let value):
            fraction = value
        case .string(let text) where text.hasSuffix("%"):
            guard let percent = Double(text.dropLast().trimmingWhitespace()), percent.isFinite else {
                error(node.location, "'\(text)' is not a holdout", hint: hint)
                return nil
            }
            fraction = percent / 100
        case .string(let text):
            error(node.location, "'\(text)' is not a holdout", hint: hint)
            return nil
        default:
            expected("a percentage", node, hint: hint)
            return nil
        }
        guard (0...1).contains(fraction) else {
            error(node.location, "holdout must be between 0% and 100%, got \(node.scalarText ?? "")", hint: hint)
            return nil
        }
        return fraction
    }

    mutating func frequencyCap(_ node: YAMLNode, _ model: ConfigModel) -> FrequencyCap? {
        guard let fields = mapping(node, "a frequency cap", allowed: ["max", "per", "channel"], in: "frequency_cap") else { return nil }
        var max = required(fields, "max").flatMap { int($0) }
        if let value = max, value < 1, let node = fields["max"] {
            error(node.location, "'max' must be at least 1", hint: "to stop a strategy sending, remove its triggers")
            max = nil
        }
        let per = required(fields, "per").flatMap { duration($0) }
        let channel = fields["channel"].map { channelReference($0, model) }
        guard let max, let per, channel != .some(nil) else { return nil }
        return FrequencyCap(max: max, per: per, channel: channel ?? nil)
    }

    mutating func quietHours(_ node: YAMLNode) -> QuietHours? {
        guard let fields = mapping(node, "quiet hours", allowed: ["from", "to", "timezone_trait"], in: "quiet_hours") else { return nil }
        let from = required(fields, "from").flatMap { timeOfDay($0) }
        let to = required(fields, "to").flatMap { timeOfDay($0) }
        let trait = fields["timezone_trait"].map { nonEmptyString($0) }
        guard let from, let to, trait != .some(nil) else { return nil }
        return QuietHours(from: from, to: to, timezoneTrait: trait.flatMap { $0 } ?? "timezone")
    }

    private mutating func timeOfDay(_ node: YAMLNode) -> TimeOfDay? {
        guard let text = string(node, "a time of day") else { return nil }
        guard let time = TimeOfDay(parsing: text) else {
            error(node.location, "'\(text)' is not a time of day", hint: #"write HH:MM in 24-hour time, such as "21:00""#)
            return nil
        }
        return time
    }

    private mutating func goal(_ node: YAMLNode) -> Goal? {
        guard let fields = mapping(node, "a goal", allowed: ["event", "within"], in: "goal") else { return nil }
        let event = required(fields, "event").flatMap { nonEmptyString($0, "an event name") }
        let within = required(fields, "within").flatMap { duration($0) }
        guard let event, let within else { return nil }
        return Goal(event: event, within: within)
    }

    // MARK: Triggers

    private mutating func trigger(_ node: YAMLNode, index: Int, strategy: String?, _ ids: inout [String: SourceLocation],
                                  _ model: ConfigModel) -> Trigger? {
        let keys = ["id", "on", "if", "wait", "recheck", "reentry", "on_backfill", "actions"]
        guard let fields = mapping(node, "a trigger", allowed: keys, in: "trigger") else { return nil }
        var id: String? = "t\(index)"
        if let value = fields["id"] { id = identifier(value) }
        if let name = id {
            let context = strategy.map { " in strategy '\($0)'" } ?? ""
            if !register(name, fields["id"] ?? fields.node, in: &ids, "trigger", context: context) { id = nil }
        }
        let on = required(fields, "on", hint: "say what fires the trigger: migration, enter, exit or event").flatMap { triggerEvent($0, model) }
        let condition = fields["if"].map { self.condition($0) }
        let wait = fields["wait"].map { duration($0) }
        let recheck = fields["recheck"].map { bool($0) }
        let reentry = fields["reentry"].map { self.reentry($0) }
        let backfill = fields["on_backfill"].map { bool($0) }
        var actions: [Action]?
        if let value = required(fields, "actions"), let items = list(value, of: "actions") {
            if items.isEmpty { error(value.location, "'actions' needs at least one action") }
            let decoded = items.compactMap { action($0, model) }
            if !items.isEmpty, decoded.count == items.count { actions = decoded }
        }
        guard let id, let on, condition != .some(nil), wait != .some(nil), recheck != .some(nil), reentry != .some(nil),
            backfill != .some(nil), let actions
        else { return nil }
        return Trigger(id: id, on: on, condition: condition ?? nil, wait: wait ?? nil, recheck: recheck.flatMap { $0 } ?? true,
                       reentry: reentry.flatMap { $0 } ?? .oncePerMigration, onBackfill: backfill.flatMap { $0 } ?? false,
                       actions: actions)
    }

    private mutating func reentry(_ node: YAMLNode) -> Reentry? {
        let hint = "use once, once_per_migration or a cooldown such as 7d"
        guard case .string = node.content, let text = string(node, "a reentry rule") else {
            expected("a reentry rule", node, hint: hint)
            return nil
        }
        switch text {
        case "once": return .once
        case "once_per_migration": return .oncePerMigration
        default:
            if let cooldown = AerDuration(parsing: text) { return .cooldown(cooldown) }
            error(node.location, "'\(text)' is not a reentry rule", hint: hint)
            return nil
        }
    }

    private mutating func triggerEvent(_ node: YAMLNode, _ model: ConfigModel) -> TriggerEvent? {
        let heads = ["migration", "enter", "exit", "event"]
        guard case .mapping = node.content else {
            expected("a mapping", node, hint: "write on: {migration: {...}}, {enter: SEGMENT}, {exit: SEGMENT} or {event: NAME}")
            return nil
        }
        guard let fields = mapping(node) else { return nil }
        let known = checkKeys(fields, allowed: heads + ["where"], in: "'on'", returningValidity: true)
        guard let head = exactlyOne(fields, among: heads, missing: known ? "missing what fires the trigger" : nil,
                                    hint: "add one of migration, enter, exit, event")
        else { return nil }
        if head.key != "event", let whereKey = fields.keyNode("where") {
            error(whereKey.location, "'where' only applies to event triggers")
            return nil
        }
        switch head.key {
        case "migration":
            return migration(head.value, model)
        case "enter", "exit":
            guard let segment = segmentReference(head.value, model) else { return nil }
            return head.key == "enter" ? .enter(segment: segment) : .exit(segment: segment)
        default:
            let name = nonEmptyString(head.value, "an event name")
            let filters = fields["where"].map { self.filters($0) }
            guard let name, filters != .some(nil) else { return nil }
            return .event(name: name, filters: filters.flatMap { $0 } ?? [])
        }
    }

    private mutating func migration(_ node: YAMLNode, _ model: ConfigModel) -> TriggerEvent? {
        guard let fields = mapping(node, "a migration", allowed: ["set", "from", "to"], in: "migration") else { return nil }
        var set: LifecycleSet?
        var setOK = true
        if let value = fields["set"] {
            if let name = identifier(value) {
                set = model.lifecycles.first { $0.id == name }
                if set == nil {
                    setOK = false
                    if model.declaredSegments.contains(name) {
                        error(value.location, "'\(name)' is a segment, not a lifecycle set",
                              hint: "to act when customers join it write on: {enter: \(name)}")
                    } else if !model.declaredSets.contains(name) {
                        error(value.location, "unknown lifecycle set '\(name)'",
                              hint: Spelling.suggestion(for: name, among: model.declaredSets.sorted(), listing: "lifecycle sets"))
                    }
                }
            } else {
                setOK = false
            }
        } else if model.declaredSets.count == 1 {
            set = model.lifecycles.first
            setOK = set != nil
        } else if model.declaredSets.isEmpty {
            error(fields.node.location, "no lifecycle set is defined", hint: "declare one under lifecycles: in segments/*.yaml")
            setOK = false
        } else {
            error(fields.node.location, "missing required key 'set'",
                  hint: "there are several lifecycle sets: " + model.declaredSets.sorted().joined(separator: ", "))
            setOK = false
        }
        let from = fields["from"].map { stages($0, set) } ?? .some(nil)
        let to = fields["to"].map { stages($0, set) } ?? .some(nil)
        guard setOK, let set, let from, let to else { return nil }
        if let from, let to, from.count == 1, from == to, let toNode = fields["to"] {
            error(toNode.location, "a migration cannot go from '\(from[0])' to '\(to[0])'", hint: "a migration is a move between two different stages")
            return nil
        }
        return .migration(set: set.id, from: from, to: to)
    }

    /// `from:`/`to:` of a migration: a stage, a list of stages, or `*` (any stage, returned as nil).
    private mutating func stages(_ node: YAMLNode, _ set: LifecycleSet?) -> [String]?? {
        if case .string = node.content, node.scalarText == "*" { return .some(nil) }
        let items: [YAMLNode]
        if case .list(let elements) = node.content {
            items = elements
            if items.isEmpty {
                error(node.location, "expected at least one stage", hint: #"write "*" for any stage"#)
                return nil
            }
        } else {
            items = [node]
        }
        var names: [String] = []
        for item in items {
            if item.scalarText == "*", case .string = item.content {
                error(item.location, #"'*' cannot be part of a list"#, hint: #"write "*" on its own for any stage"#)
                continue
            }
            guard let name = identifier(item) else { continue }
            if let set, !set.hasStage(name) {
                error(item.location, "unknown stage '\(name)' in lifecycle set '\(set.id)'",
                      hint: Spelling.suggestion(for: name, among: set.stages.map(\.id), listing: "stages"))
                continue
            }
            names.append(name)
        }
        return names.count == items.count ? .some(names) : nil
    }

    private mutating func segmentReference(_ node: YAMLNode, _ model: ConfigModel) -> String? {
        guard let name = identifier(node) else { return nil }
        if model.segments.contains(where: { $0.id == name }) { return name }
        if model.declaredSets.contains(name) {
            error(node.location, "'\(name)' is a lifecycle set, not a segment",
                  hint: "to act on its stages write on: {migration: {set: \(name), to: STAGE}}")
        } else if let set = model.lifecycles.first(where: { $0.hasStage(name) }) {
            error(node.location, "'\(name)' is a stage of lifecycle set '\(set.id)', not a segment",
                  hint: "to act on customers moving into it write on: {migration: {set: \(set.id), to: \(name)}}")
        } else if !model.declaredSegments.contains(name) {
            error(node.location, "unknown segment '\(name)'",
                  hint: Spelling.suggestion(for: name, among: model.segments.map(\.id), listing: "segments"))
        }
        // Otherwise the segment exists but was rejected for its own errors, already reported.
        return nil
    }

    // MARK: Actions

    private mutating func action(_ node: YAMLNode, _ model: ConfigModel) -> Action? {
        guard let fields = mapping(node, "an action", allowed: ["channel", "template", "params"], in: "action") else { return nil }
        let channel = required(fields, "channel").flatMap { channelReference($0, model) }
        let template = required(fields, "template").flatMap { templateReference($0, model) }
        let params = fields["params"].map { jsonObject($0) }
        guard let channel, let template, params != .some(nil) else { return nil }
        return Action(channel: channel, template: template, params: params.flatMap { $0 } ?? [:])
    }

    mutating func channelReference(_ node: YAMLNode, _ model: ConfigModel) -> String? {
        guard let name = identifier(node) else { return nil }
        guard model.channelIDs[name] != nil else {
            error(node.location, "unknown channel '\(name)'",
                  hint: Spelling.suggestion(for: name, among: model.channelIDs.keys.sorted(), listing: "channels in aerd.yaml"))
            return nil
        }
        return name
    }

    private mutating func templateReference(_ node: YAMLNode, _ model: ConfigModel) -> String? {
        guard let name = nonEmptyString(node, "a template name") else { return nil }
        guard model.templates[name] != nil else {
            guard !model.declaredTemplates.contains(name) else { return nil }
            let near = Spelling.nearest(to: name, among: model.templates.keys.sorted())
            error(node.location, "unknown template '\(name)'",
                  hint: near.map { "did you mean '\($0)'?" } ?? "add templates/\(name).text.mustache")
            return nil
        }
        return name
    }
}
