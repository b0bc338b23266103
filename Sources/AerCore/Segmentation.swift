/// What a segment is about; used in reports and payloads.
public enum SegmentKind: String, Sendable, Hashable, CaseIterable {
    case behavioural, lifecycle, value, intent
}

/// A plain, non-exclusive segment: a customer is in it while `condition` holds.
public struct SegmentDefinition: Sendable, Hashable {
    public var id: String
    public var kind: SegmentKind
    public var description: String?
    public var condition: Condition

    public init(id: String, kind: SegmentKind, description: String? = nil, condition: Condition) {
        self.id = id
        self.kind = kind
        self.description = description
        self.condition = condition
    }
}

/// One stage of a lifecycle set.
public struct Stage: Sendable, Hashable {
    public var id: String
    public var description: String?
    /// Nil for the fallback stage, which holds when no other stage does.
    public var condition: Condition?

    public init(id: String, description: String? = nil, condition: Condition?) {
        self.id = id
        self.description = description
        self.condition = condition
    }
}

/// A named, ordered, exclusive group of stages: a customer is in the first stage whose condition holds,
/// else in the fallback. Moves between stages are migrations.
public struct LifecycleSet: Sendable, Hashable {
    public var id: String
    public var kind: SegmentKind
    /// Stages in evaluation order; the last one is the fallback (condition nil).
    public var stages: [Stage]

    public init(id: String, kind: SegmentKind = .lifecycle, stages: [Stage]) {
        self.id = id
        self.kind = kind
        self.stages = stages
    }

    /// The fallback stage's id.
    public var fallback: String { stages.last?.id ?? "" }

    /// Whether the set has a stage `id`.
    public func hasStage(_ id: String) -> Bool { stages.contains { $0.id == id } }
}
