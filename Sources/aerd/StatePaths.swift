import AerConfig

extension AerConfiguration {
    /// The database file: `store.path`, relative to the state directory (`--state` wins over `state_dir`).
    func storePath(stateOverride: String?) -> String {
        if store.path.hasPrefix("/") { return store.path }
        return (stateOverride ?? stateDirectory) + "/" + store.path
    }
}
