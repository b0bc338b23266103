import AerConfig
import AerCore
import AerJSON
import AerRendering
import Testing

/// A template as the loader would make it from `templates/NAME.*.mustache`.
func template(_ name: String, text: String, html: String? = nil, subject: String? = nil) -> TemplateSource {
    TemplateSource(
        name: name, text: text, html: html, subject: subject, textPath: "templates/\(name).text.mustache",
        htmlPath: html.map { _ in "templates/\(name).html.mustache" }, subjectPath: subject.map { _ in "templates/\(name).subject.mustache" })
}

/// Compiles templates that must compile.
func compile(_ templates: TemplateSource...) throws -> TemplateLibrary {
    try TemplateLibrary.compile(Dictionary(uniqueKeysWithValues: templates.map { ($0.name, $0) })).get()
}

/// The diagnostics of templates that must not compile, as printed.
func problems(_ templates: TemplateSource...) -> [String] {
    switch TemplateLibrary.compile(Dictionary(uniqueKeysWithValues: templates.map { ($0.name, $0) })) {
    case .success:
        Issue.record("expected the templates not to compile")
        return []
    case .failure(let errors):
        return errors.diagnostics.map(\.description)
    }
}

/// A customer in the middle of a retention campaign, with every part of the context filled in.
func sampleContext(traits: JSONObject = ["first_name": "Maya", "email": "maya@example.com"], params: JSONObject = ["coupon": "COMEBACK15"])
    -> RenderContext
{
    RenderContext(
        customer: .init(id: "maya", profileId: 42),
        traits: traits,
        migration: Migration(profileId: 42, set: "lifecycle", kind: .lifecycle, from: "active", to: "at_risk",
                             at: Timestamp(iso8601: "2026-03-01T08:00:00Z")!, cause: .timer),
        segment: .init(id: "lifecycle", kind: .lifecycle, stage: "at_risk"),
        strategy: .init(id: "retain_drifting", aer: .retain, positioning: "For regulars drifting away, we are the shop that remembers them.",
                        trigger: "drifting"),
        params: params,
        unsubscribeURL: "https://stride.example/u/abc?c=email&t=1")
}
