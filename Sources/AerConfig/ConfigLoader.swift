import AerCore
import Foundation
import Yams

/// Loads a configuration directory (`aerd.yaml`, `segments/*.yaml`, `strategies/*.yaml`, `templates/`) into a
/// validated ``AerConfiguration``, or reports every problem found, each at its file, line and column.
public struct ConfigLoader {
    /// Loads and validates a config directory.
    ///
    /// Nothing is half-loaded: on any problem the result is the full list of diagnostics, sorted by file, line
    /// and column, with paths shown as `DIRECTORY/relative/path`.
    /// - Parameters:
    ///   - directory: The config directory, absolute or relative to the working directory.
    ///   - environment: Resolves `${env:NAME}` secret references (usually the process environment).
    ///   - credentialsDirectory: Where relative `${file:NAME}` references are read from; defaults to
    ///     `environment["CREDENTIALS_DIRECTORY"]`, which systemd sets for `LoadCredential=`.
    /// - Returns: The configuration, or every problem found.
    public static func load(directory: String, environment: [String: String], credentialsDirectory: String? = nil)
        -> Result<AerConfiguration, ConfigErrors>
    {
        var loader = DirectoryLoader(
            directory: directory,
            reader: ConfigReader(environment: environment, credentialsDirectory: credentialsDirectory ?? environment["CREDENTIALS_DIRECTORY"]))
        return loader.load()
    }
}

/// One load of one directory.
struct DirectoryLoader {
    let directory: String
    let base: String
    var reader: ConfigReader
    var model = ConfigModel()
    /// Relative path and contents of every file read, for the fingerprint.
    var files: [(path: String, contents: String)] = []

    init(directory: String, reader: ConfigReader) {
        self.directory = directory
        var base = directory
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        self.base = base.isEmpty ? "." : base
        self.reader = reader
    }

    /// `DIR/relative`, the way diagnostics show paths.
    func display(_ relative: String) -> String { base == "/" ? "/" + relative : base + "/" + relative }

    mutating func load() -> Result<AerConfiguration, ConfigErrors> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else {
            let diagnostic = Diagnostic(file: base, line: 1, column: 1, message: "cannot read config directory (no such directory)",
                                        hint: "pass the directory that holds aerd.yaml, such as --config config")
            return .failure(ConfigErrors(diagnostics: [diagnostic]))
        }

        var settings = MainSettings()
        if let root = parse("aerd.yaml", required: true) {
            settings = reader.mainFile(root, into: &model)
        }
        for file in yamlFiles(in: "segments") {
            if let root = parse(file, required: false) { reader.segmentsFile(root, into: &model) }
        }
        loadTemplates()
        for file in yamlFiles(in: "strategies") {
            if let root = parse(file, required: false) { reader.strategiesFile(root, into: &model) }
        }

        guard reader.diagnostics.isEmpty, let server = settings.server, let ingest = settings.ingest else {
            return .failure(ConfigErrors(diagnostics: reader.diagnostics))
        }
        let store = settings.store
        var hasher = SHA256()
        for file in files.sorted(by: { $0.path < $1.path }) {
            hasher.update(Array(file.path.utf8) + [0])
            hasher.update(Array(file.contents.utf8) + [0])
        }
        var configuration = AerConfiguration(
            directory: directory, server: server, stateDirectory: settings.stateDirectory, store: store, ingest: ingest,
            defaults: settings.defaults, analytics: settings.analytics, segments: model.segments, lifecycles: model.lifecycles,
            strategies: model.strategies, channels: model.channels, templates: model.templates, fingerprint: hasher.finalizeHex())
        configuration.optOut = settings.optOut
        configuration.log = settings.log
        return .success(configuration)
    }

    // MARK: Files

    /// `DIR/sub/*.yaml` and `*.yml`, as relative paths in name order; other files are left alone.
    func yamlFiles(in subdirectory: String) -> [String] {
        entries(in: subdirectory)
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
            .map { subdirectory + "/" + $0 }
    }

    func entries(in subdirectory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: display(subdirectory))) ?? []).sorted()
    }

    /// Reads and composes one YAML file; its top level must be a mapping (an empty file is an empty one).
    mutating func parse(_ relative: String, required: Bool) -> Fields? {
        let path = display(relative)
        let origin = SourceLocation(file: path, line: 1, column: 1)
        let text: String
        switch FileText.read(path) {
        case .success(let contents):
            text = contents
        case .failure(let reason):
            if reason == .missing, required {
                reader.error(origin, "missing \(relative)", hint: "every config directory needs aerd.yaml with server: and ingest:")
            } else {
                reader.error(origin, "cannot read \(relative) (\(reason))")
            }
            return nil
        }
        files.append((relative, text))
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            reader.diagnostics.append(Self.diagnostic(for: error, file: path, text: text))
            return nil
        }
        guard let node else {
            return Fields(node: YAMLNode(node: Node.mapping(Node.Mapping([])), location: origin, path: ""), entries: [])
        }
        let location = node.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) } ?? origin
        let root = YAMLNode(node: node, location: location, path: "")
        let expectedKeys = relative == "aerd.yaml" ? "server:, ingest:, …" : relative.hasPrefix("segments/") ? "segments: or lifecycles:" : "strategies:"
        guard case .mapping = root.content else {
            reader.expected("a mapping at the top of the file", root, hint: "start with \(expectedKeys)")
            return nil
        }
        return reader.mapping(root)
    }

    /// A YAML syntax error at its position.
    static func diagnostic(for error: any Error, file: String, text: String) -> Diagnostic {
        guard let yamlError = error as? YamlError else {
            return Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
        func context(_ context: YamlError.Context?) -> String? {
            context.map { "\($0.text) at line \($0.mark.line), column \($0.mark.column)" }
        }
        switch yamlError {
        case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _), .composer(let ctx, let problem, let mark, _):
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(problem)", hint: context(ctx))
        case .reader(let problem, let offset, _, _):
            var line = 1, column = 1
            for character in text.prefix(offset ?? 0) {
                if character == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            return Diagnostic(file: file, line: line, column: column, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let ctx):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(file: file, line: ctx.mark.line, column: ctx.mark.column,
                              message: "duplicate key \(keys) in one mapping", hint: "a key may appear only once in a mapping")
        default:
            return Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(yamlError)")
        }
    }

    // MARK: Templates

    /// `templates/NAME.text.mustache` with optional `NAME.html.mustache` and `NAME.subject.mustache`.
    mutating func loadTemplates() {
        var parts: [String: [String: (path: String, text: String)]] = [:]
        let naming = "name template files NAME.text.mustache, NAME.html.mustache or NAME.subject.mustache"
        for entry in entries(in: "templates") where !entry.hasPrefix(".") {
            let relative = "templates/" + entry
            let path = display(relative)
            let origin = SourceLocation(file: path, line: 1, column: 1)
            guard let part = ["text", "html", "subject"].first(where: { entry.hasSuffix(".\($0).mustache") }),
                entry.count > ".\(part).mustache".count
            else {
                reader.error(origin, "unexpected file '\(entry)' in templates/", hint: naming)
                continue
            }
            let name = String(entry.dropLast(".\(part).mustache".count))
            switch FileText.read(path) {
            case .success(let text):
                files.append((relative, text))
                parts[name, default: [:]][part] = (path, text)
            case .failure(let reason):
                reader.error(origin, reason == .directory ? "unexpected directory '\(entry)' in templates/" : "cannot read \(relative) (\(reason))",
                             hint: reason == .directory ? naming : nil)
            }
        }
        for (name, found) in parts {
            model.declaredTemplates.insert(name)
            guard let text = found["text"] else {
                let first = found.values.map(\.path).sorted()[0]
                reader.error(SourceLocation(file: first, line: 1, column: 1), "template '\(name)' has no text part",
                             hint: "add templates/\(name).text.mustache; the plain-text part is required")
                continue
            }
            model.templates[name] = TemplateSource(
                name: name, text: text.text, html: found["html"]?.text, subject: found["subject"]?.text, textPath: text.path,
                htmlPath: found["html"]?.path, subjectPath: found["subject"]?.path)
        }
    }
}
