import AerConfig
import AerCore
import AerJSON
import AerRendering
import Testing

@Suite struct RenderingTests {
    @Test func htmlPartEscapesValues() throws {
        let library = try compile(template("t", text: "{{traits.first_name}}", html: "<p>Hi {{traits.first_name}}</p>"))
        let message = try library.render("t", context: sampleContext(traits: ["first_name": "<script>alert('x')</script> & co"]))
        #expect(message.html == "<p>Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</p>")
    }

    @Test func textAndSubjectPartsDoNotEscapeValues() throws {
        let library = try compile(template("t", text: "Hi {{traits.first_name}}", subject: "For {{traits.first_name}}"))
        let message = try library.render("t", context: sampleContext(traits: ["first_name": "<b>Tom & \"Jerry\"</b>"]))
        #expect(message.text == "Hi <b>Tom & \"Jerry\"</b>")
        #expect(message.subject == "For <b>Tom & \"Jerry\"</b>")
    }

    @Test func tripleMustacheLeavesHTMLUnescaped() throws {
        let library = try compile(template("t", text: "x", html: "<div>{{{params.banner}}}</div>"))
        let message = try library.render("t", context: sampleContext(params: ["banner": "<img src=\"a.png\">"]))
        #expect(message.html == "<div><img src=\"a.png\"></div>")
    }

    @Test func partialsComeFromTheSamePartOfAnotherTemplate() throws {
        let library = try compile(
            template("mail", text: "Hello\n{{> footer}}", html: "<p>Hello</p>\n{{> footer}}"),
            template("footer", text: "-- {{traits.first_name}} & the team\n", html: "<p>{{traits.first_name}} &amp; the team</p>\n"))
        let message = try library.render("mail", context: sampleContext(traits: ["first_name": "Zoë & Ann"]))
        #expect(message.text == "Hello\n-- Zoë & Ann & the team")
        #expect(message.html == "<p>Hello</p>\n<p>Zoë &amp; Ann &amp; the team</p>")
    }

    @Test func subjectPartsIncludeTextPartials() throws {
        let library = try compile(template("mail", text: "x", subject: "{{> brand}}: news"), template("brand", text: "Stride <{{strategy.aer}}>"))
        #expect(try library.render("mail", context: sampleContext()).subject == "Stride <retain>: news")
    }

    @Test func missingVariablesRenderAsNothing() throws {
        let library = try compile(template("t", text: "[{{traits.nickname}}][{{migration.from}}][{{event.name}}][{{params.coupon}}]"))
        var context = sampleContext(params: [:])
        context.migration = nil
        #expect(try library.render("t", context: context).text == "[][][][]")
    }

    @Test func sectionsShowTextOnlyWhenAValueIsThere() throws {
        let library = try compile(template("t", text: "Hi{{#traits.first_name}} {{traits.first_name}}{{/traits.first_name}},{{^unsubscribe_url}} no link{{/unsubscribe_url}}"))
        var context = sampleContext(traits: [:])
        context.unsubscribeURL = nil
        #expect(try library.render("t", context: context).text == "Hi, no link")
        #expect(try library.render("t", context: sampleContext()).text == "Hi Maya,")
    }

    @Test func jsonNullTraitsCountAsMissing() throws {
        let library = try compile(template("t", text: "[{{traits.first_name}}]{{#traits.first_name}}yes{{/traits.first_name}}"))
        #expect(try library.render("t", context: sampleContext(traits: ["first_name": nil])).text == "[]")
    }

    @Test func numbersBooleansAndListsRenderAsPeopleWriteThem() throws {
        let library = try compile(template("t", text: "{{params.days}} {{params.rate}} {{traits.vip}} {{#params.sizes}}{{.}};{{/params.sizes}}"))
        let context = sampleContext(traits: ["vip": true], params: ["days": 3, "rate": 0.15, "sizes": [42, 43.5]])
        #expect(try library.render("t", context: context).text == "3 0.15 true 42;43.5;")
    }

    @Test func transformsApplyToStrings() throws {
        let library = try compile(template("t", text: "{{uppercased(params.coupon)}} {{capitalized(traits.first_name)}}"))
        #expect(try library.render("t", context: sampleContext(traits: ["first_name": "maya"], params: ["coupon": "save10"])).text == "SAVE10 Maya")
    }

    @Test func nonASCIIValuesAndTemplatesRenderUnchanged() throws {
        let library = try compile(template("t", text: "Grüße, {{traits.first_name}}! 🏃 {{params.coupon}}", html: "<p>Привет, {{traits.first_name}} ✓</p>",
                                           subject: "日本語 {{traits.first_name}}"))
        let message = try library.render("t", context: sampleContext(traits: ["first_name": "Zoë 👍🏽"], params: ["coupon": "ÉTÉ-15"]))
        #expect(message.text == "Grüße, Zoë 👍🏽! 🏃 ÉTÉ-15")
        #expect(message.html == "<p>Привет, Zoë 👍🏽 ✓</p>")
        #expect(message.subject == "日本語 Zoë 👍🏽")
    }

    @Test func theFinalNewlineOfAFileIsNotPartOfTheMessage() throws {
        let library = try compile(template("t", text: "Line one\nLine two\n", html: "<p>x</p>\n"))
        let message = try library.render("t", context: sampleContext())
        #expect(message.text == "Line one\nLine two")
        #expect(message.html == "<p>x</p>")
    }

    @Test func theSubjectIsOneTrimmedLine() throws {
        let library = try compile(template("t", text: "x", subject: "  Hello {{traits.first_name}}\n  and welcome\n"))
        #expect(try library.render("t", context: sampleContext(traits: ["first_name": "A\r\nBcc: x@evil.example"])).subject
                == "Hello A Bcc: x@evil.example and welcome")
    }

    @Test func partsATemplateLacksAreNil() throws {
        let message = try compile(template("sms", text: "Hi")).render("sms", context: sampleContext())
        #expect(message == RenderedMessage(subject: nil, text: "Hi", html: nil))
    }

    @Test func anUnknownTemplateIsARenderError() throws {
        let library = try compile(template("welcome", text: "Hi"))
        #expect(library.has("welcome"))
        #expect(!library.has("welcom"))
        do {
            _ = try library.render("welcom", context: sampleContext())
            Issue.record("expected an error")
        } catch {
            #expect(error.isUnknownTemplate)
            #expect(error.description == "no template named 'welcom' (the templates are welcome); add templates/welcom.text.mustache and reload")
        }
    }
}

@Suite struct CompileErrorTests {
    @Test func anUnclosedSectionIsReportedAtItsOpeningTag() {
        let text = "Hi {{traits.first_name}},\n\n  {{#params.coupon}}Code: {{params.coupon}}\nBye\n"
        #expect(problems(template("offer", text: text)) == [
            "templates/offer.text.mustache:3:3: error: section 'params.coupon' opened here is never closed; add {{/params.coupon}} where the section ends",
        ])
    }

    @Test func aCloseTagForTheWrongSectionIsReportedWhereItIs() {
        let html = "<p>\n{{#traits.vip}}{{#params.coupon}}x{{/traits.vip}}{{/params.coupon}}</p>"
        #expect(problems(template("offer", text: "x", html: html)) == [
            "templates/offer.html.mustache:2:35: error: '{{/traits.vip}}' closes section 'traits.vip', but the open section is 'params.coupon' (opened at 2:16); close 'params.coupon' first with {{/params.coupon}}",
        ])
    }

    @Test func anUnclosedTagIsReportedWhereItOpens() {
        #expect(problems(template("t", text: "one\ntwo {{traits.first_name\nthree")) == [
            "templates/t.text.mustache:2:5: error: tag '{{traits.first_name' is never closed with '}}'; close it on the same line, or to write '{{' as text change the delimiters first, e.g. {{=<% %>=}}",
        ])
    }

    @Test func aNameWithASpaceIsReportedAtItsTag() {
        #expect(problems(template("t", text: "x", subject: "Hello {{first name}}")) == [
            "templates/t.subject.mustache:1:7: error: '{{first name}}' is not a valid tag: a name cannot contain a space; names are letters, digits, '_', '-' and '.' between parts, as in {{traits.first_name}}",
        ])
    }

    @Test func columnsCountUnicodeScalars() {
        // "Grüße 🏃 " is 8 scalars (ü and ß precomposed, the runner one scalar): the tag starts in column 9.
        #expect(problems(template("t", text: "Grüße 🏃 {{first name}}")).first?.hasPrefix("templates/t.text.mustache:1:9: error:") == true)
    }

    @Test func errorsMustacheFindsAreMappedToTheFileLineAndColumn() {
        // The scan accepts the pragma tag; swift-mustache rejects the content type. Text parts are compiled
        // behind a line of our own, which must not shift the line reported.
        let problems = problems(template("t", text: "Hello\nÄ {{% CONTENT_TYPE: XML}}\n"))
        #expect(problems == [
            "templates/t.text.mustache:2:3: error: unknown pragma or content type; the only pragma is CONTENT_TYPE, with TEXT or HTML",
        ])
    }

    @Test func windowsLineEndsDoNotShiftPositions() {
        #expect(problems(template("t", text: "Hello\r\nÄ {{% CONTENT_TYPE: XML}}\r\n")).first?.hasPrefix("templates/t.text.mustache:2:3: error:") == true)
        #expect(problems(template("t", text: "Hello\r\n\r\n {{#params.x}}\r\n")).first?.hasPrefix("templates/t.text.mustache:3:2: error:") == true)
    }

    @Test func anUnknownPartialIsReportedAtItsTagWithTheFileItLookedFor() {
        #expect(problems(template("mail", text: "Hi\n\n  {{> fotter}}\n"), template("footer", text: "Bye")) == [
            "templates/mail.text.mustache:3:3: error: unknown partial 'fotter': there is no templates/fotter.text.mustache; did you mean 'footer'?",
        ])
    }

    @Test func anHTMLPartialNeedsAnHTMLPart() {
        #expect(problems(template("mail", text: "x", html: "<p>{{> footer}}</p>"), template("footer", text: "Bye")) == [
            "templates/mail.html.mustache:1:4: error: partial 'footer' has no HTML part; add templates/footer.html.mustache; an HTML part includes HTML parts",
        ])
    }

    @Test func partialsThatIncludeThemselvesAreRejected() {
        #expect(problems(template("a", text: "{{> b}}"), template("b", text: "x\n{{#params.y}}{{> a}}{{/params.y}}")) == [
            "templates/b.text.mustache:2:14: error: partial 'a' includes itself: a → b → a; Mustache would include it forever; remove {{> a}} or break the cycle",
        ])
    }

    @Test func dynamicPartialsAreRejected() {
        #expect(problems(template("a", text: "{{>*params.partial}}")) == [
            "templates/a.text.mustache:1:1: error: dynamic partials ('{{>*params.partial}}') are not supported; name the partial: {{> footer}} includes the template 'footer'",
        ])
    }

    @Test func aMisspeltVariableGetsASuggestion() {
        #expect(problems(template("t", text: "x", html: "<p>{{strategy.positoning}}</p>")) == [
            "templates/t.html.mustache:1:4: error: unknown variable 'strategy.positoning': 'strategy' has no member 'positoning'; did you mean 'strategy.positioning'?",
        ])
    }

    @Test func aTraitWrittenWithoutTraitsIsRejected() {
        #expect(problems(template("t", text: "Hi {{first_name}}")) == [
            "templates/t.text.mustache:1:4: error: unknown variable 'first_name': templates have no 'first_name'; a profile trait is traits.first_name, an action parameter params.first_name",
        ])
    }

    @Test func namesInsideSectionsMayBeRelativeToTheSection() throws {
        let library = try compile(template("t", text: "{{#event.properties.items}}{{name}} x{{quantity}}; {{/event.properties.items}}"))
        var context = sampleContext()
        context.event = .init(name: "Order Completed", properties: ["items": [["name": "Racer", "quantity": 2], ["name": "Socks", "quantity": 1]]],
                              timestamp: Timestamp(millis: 0))
        #expect(try library.render("t", context: context).text == "Racer x2; Socks x1; ")
    }

    @Test func anUnknownTransformGetsASuggestion() {
        #expect(problems(template("t", text: "{{uppercase(traits.first_name)}}")) == [
            "templates/t.text.mustache:1:1: error: unknown transform 'uppercase' in '{{uppercase(traits.first_name)}}'; did you mean 'uppercased'?",
        ])
    }

    @Test func everyProblemIsReportedSortedByFileAndLine() {
        let found = problems(template("b", text: "{{#x}}"), template("a", text: "ok", html: "{{nope}}", subject: "{{> missing}}"))
        #expect(found.map { $0.prefix(while: { $0 != " " }) } == [
            "templates/a.html.mustache:1:1:", "templates/a.subject.mustache:1:1:", "templates/b.text.mustache:1:1:",
        ])
    }
}
