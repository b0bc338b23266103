import AerCore

/// What has been read so far, with where each id was first defined (for duplicate and reference checks).
struct ConfigModel {
    var segments: [SegmentDefinition] = []
    var lifecycles: [LifecycleSet] = []
    var strategies: [Strategy] = []
    var channels: [ChannelDefinition] = []
    var templates: [String: TemplateSource] = [:]

    /// Segments and lifecycle sets share one namespace.
    var segmentIDs: [String: SourceLocation] = [:]
    /// Ids of every plain segment and lifecycle set written, including those rejected for their own errors,
    /// so that references to them do not pile a second error on the first.
    var declaredSegments: Set<String> = []
    var declaredSets: Set<String> = []
    /// Names of templates with any part on disk, even one rejected for a missing text part.
    var declaredTemplates: Set<String> = []
    var strategyIDs: [String: SourceLocation] = [:]
    var channelIDs: [String: SourceLocation] = [:]
}

/// `segments/*.yaml`: `segments:` and `lifecycles:`.
extension ConfigReader {
    mutating func segmentsFile(_ root: Fields, into model: inout ConfigModel) {
        checkKeys(root, allowed: ["segments", "lifecycles"], in: "a segments file")
        if let value = root["segments"], let items = list(value, of: "segments") {
            for item in items {
                if let segment = segment(item, &model) { model.segments.append(segment) }
            }
        }
        if let value = root["lifecycles"], let items = list(value, of: "lifecycle sets") {
            for item in items {
                if let set = lifecycleSet(item, &model) { model.lifecycles.append(set) }
            }
        }
    }

    private mutating func segment(_ node: YAMLNode, _ model: inout ConfigModel) -> SegmentDefinition? {
        guard let fields = mapping(node, "a segment", allowed: ["id", "kind", "description", "when"], in: "segment") else { return nil }
        let id = required(fields, "id").flatMap { identifier($0) }
        if let id, let idNode = fields["id"], register(id, idNode, in: &model.segmentIDs, "segment") {
            model.declaredSegments.insert(id)
        }
        var kind: SegmentKind?
        if let value = required(fields, "kind") { kind = enumValue(value, SegmentKind.self, "segment kind") }
        let description = fields["description"].map { string($0) }
        let condition = required(fields, "when").flatMap { self.condition($0) }
        guard let id, let kind, description != .some(nil), let condition else { return nil }
        return SegmentDefinition(id: id, kind: kind, description: description ?? nil, condition: condition)
    }

    private mutating func lifecycleSet(_ node: YAMLNode, _ model: inout ConfigModel) -> LifecycleSet? {
        guard let fields = mapping(node, "a lifecycle set", allowed: ["id", "kind", "stages", "fallback"], in: "lifecycle set")
        else { return nil }
        let id = required(fields, "id").flatMap { identifier($0) }
        if let id, let idNode = fields["id"], register(id, idNode, in: &model.segmentIDs, "lifecycle set") {
            model.declaredSets.insert(id)
        }
        var kind: SegmentKind? = .lifecycle
        if let value = fields["kind"] { kind = enumValue(value, SegmentKind.self, "segment kind") }
        var stages: [Stage] = []
        var stageIDs: [String: SourceLocation] = [:]
        var stagesOK = false
        if let value = required(fields, "stages"), let items = list(value, of: "stages") {
            stagesOK = true
            if items.isEmpty {
                error(value.location, "'stages' needs at least one stage")
                stagesOK = false
            }
            for item in items {
                guard let stage = stage(item, set: id, &stageIDs) else {
                    stagesOK = false
                    continue
                }
                stages.append(stage)
            }
        }
        var fallback: Stage?
        if let value = required(fields, "fallback", hint: "name the stage of customers no stage matches, such as fallback: prospect") {
            fallback = fallbackStage(value)
            if let name = fallback?.id, let first = stageIDs[name] {
                error(value.location, "fallback '\(name)' is also a listed stage",
                      hint: "the fallback has no condition: remove '\(name)' from stages (listed at \(first)) or name another fallback")
                fallback = nil
            }
        }
        guard let id, let kind, stagesOK, let fallback else { return nil }
        return LifecycleSet(id: id, kind: kind, stages: stages + [fallback])
    }

    private mutating func stage(_ node: YAMLNode, set: String?, _ ids: inout [String: SourceLocation]) -> Stage? {
        guard let fields = mapping(node, "a stage", allowed: ["id", "description", "when"], in: "stage") else { return nil }
        let id = required(fields, "id").flatMap { identifier($0) }
        var duplicate = false
        if let id, let idNode = fields["id"] {
            duplicate = !register(id, idNode, in: &ids, "stage", context: set.map { " in lifecycle set '\($0)'" } ?? "")
        }
        let description = fields["description"].map { string($0) }
        let condition = required(fields, "when", hint: "only the fallback stage has no condition").flatMap { self.condition($0) }
        guard let id, !duplicate, description != .some(nil), let condition else { return nil }
        return Stage(id: id, description: description ?? nil, condition: condition)
    }

    /// `fallback: prospect` or `fallback: {id: prospect, description: …}`.
    private mutating func fallbackStage(_ node: YAMLNode) -> Stage? {
        guard case .mapping = node.content else { return identifier(node).map { Stage(id: $0, condition: nil) } }
        guard let fields = mapping(node, "a stage", allowed: ["id", "description"], in: "fallback") else { return nil }
        let id = required(fields, "id").flatMap { identifier($0) }
        let description = fields["description"].map { string($0) }
        guard let id, description != .some(nil) else { return nil }
        return Stage(id: id, description: description ?? nil, condition: nil)
    }

    /// Records the first definition of `id`; reports a later one. Returns whether `id` was new.
    @discardableResult
    mutating func register(_ id: String, _ node: YAMLNode, in ids: inout [String: SourceLocation], _ what: String,
                           context: String = "") -> Bool {
        if let first = ids[id] {
            error(node.location, "duplicate \(what) id '\(id)'\(context)", hint: "first defined at \(first)")
            return false
        }
        ids[id] = node.location
        return true
    }

    /// A string naming a case of `type`; reports others with a suggestion.
    mutating func enumValue<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ type: T.Type, _ what: String) -> T?
    where T.RawValue == String {
        guard let text = string(node, "a \(what)") else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        error(node.location, "unknown \(what) '\(text)'", hint: Spelling.suggestion(for: text, among: names, listing: "expected one of"))
        return nil
    }
}
