import AerConfig
import AerServer

extension AerConfiguration {
    /// The segments and lifecycle sets as the admin API lists them: lifecycle sets first, in file order.
    var catalog: [ServerOptions.CatalogEntry] {
        lifecycles.map { .init(id: $0.id, kind: $0.kind.rawValue, type: "lifecycle", stages: $0.stages.map(\.id)) }
            + segments.map { .init(id: $0.id, kind: $0.kind.rawValue, type: "segment", stages: []) }
    }
}
