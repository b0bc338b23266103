import AerConfig
import Foundation

/// A throwaway config directory written from a dictionary of relative path → contents, removed on deinit.
final class Fixture {
    /// A minimal valid aerd.yaml with an email and an sms channel.
    static let mainFile = """
        server: {admin_token: admin}
        ingest: {write_keys: [{source: web, key: k1}]}
        channels:
          - {id: email, type: email}
          - {id: sms, type: sms}

        """

    let directory: String

    /// Writes `files`; `aerd.yaml` defaults to ``mainFile`` unless given (or given as nil to leave it out).
    init(_ files: [String: String?] = [:]) {
        directory = FileManager.default.temporaryDirectory.path + "/aerconfig-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var all = files
        if all.index(forKey: "aerd.yaml") == nil { all["aerd.yaml"] = .some(Self.mainFile) }
        for case let (path, contents?) in all {
            let url = URL(fileURLWithPath: directory + "/" + path)
            try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try! contents.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// `DIR/relative`, the way diagnostics name files.
    func path(_ relative: String) -> String { directory + "/" + relative }

    func load(_ environment: [String: String] = [:], credentialsDirectory: String? = nil) -> Result<AerConfiguration, ConfigErrors> {
        ConfigLoader.load(directory: directory, environment: environment, credentialsDirectory: credentialsDirectory)
    }

    /// The diagnostics as printed, with this directory shown as `DIR` so expectations stay readable.
    func errors(_ environment: [String: String] = [:], credentialsDirectory: String? = nil) -> [String] {
        switch load(environment, credentialsDirectory: credentialsDirectory) {
        case .success: return []
        case .failure(let errors): return errors.diagnostics.map { $0.description.replacingOccurrences(of: directory, with: "DIR") }
        }
    }

    /// The configuration; nil (and the diagnostics printed) when loading failed.
    func config(_ environment: [String: String] = [:]) -> AerConfiguration? {
        switch load(environment) {
        case .success(let config): return config
        case .failure(let errors):
            print(errors)
            return nil
        }
    }
}

/// A segments file with one behavioural segment `s` whose `when:` is the given YAML (flow or indented block).
func segmentFile(when condition: String) -> String {
    """
    segments:
      - id: s
        kind: behavioural
        when: \(condition)

    """
}
