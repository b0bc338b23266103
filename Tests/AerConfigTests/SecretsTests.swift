import AerConfig
import Foundation
import Testing

/// `${env:NAME}` and `${file:PATH}` resolve at load; what cannot be resolved is reported at its scalar.
@Suite struct SecretsTests {
    static let mainFile = """
        server: {admin_token: "${env:ADMIN}"}
        ingest:
          write_keys:
            - {source: web, key: "${file:/SECRETS/write_key}"}
            - {source: app, key: "${file:app_key}"}
        channels:
          - {id: hook, type: webhook, url: "http://127.0.0.1:9000", secret: "${env:HOOK_SECRET}", retries: 3, headers: {x-token: "${env:ADMIN}"}}

        """

    func fixture() -> Fixture {
        let fixture = Fixture([
            "secrets/write_key": "wk-from-file\n",
            "credentials/app_key": "app-from-credentials\r\n\n",
        ])
        let text = Self.mainFile.replacingOccurrences(of: "/SECRETS", with: fixture.path("secrets"))
        try! text.write(toFile: fixture.path("aerd.yaml"), atomically: true, encoding: .utf8)
        return fixture
    }

    @Test func environmentFilesAndCredentialsResolveWithTrailingNewlinesTrimmed() throws {
        let fixture = fixture()
        let environment = ["ADMIN": "admin-token", "HOOK_SECRET": "whsec_abc", "CREDENTIALS_DIRECTORY": fixture.path("credentials")]
        let config = try fixture.load(environment).get()
        #expect(config.server.adminToken == "admin-token")
        #expect(config.ingest.writeKeys.map(\.key) == ["wk-from-file", "app-from-credentials"])
        #expect(config.channels[0].settings == [
            "url": "http://127.0.0.1:9000", "secret": "whsec_abc", "retries": 3, "headers": ["x-token": "admin-token"],
        ])
    }

    @Test func anExplicitCredentialsDirectoryWinsOverTheEnvironment() throws {
        let fixture = fixture()
        let environment = ["ADMIN": "a", "HOOK_SECRET": "h", "CREDENTIALS_DIRECTORY": "/nonexistent"]
        let config = try fixture.load(environment, credentialsDirectory: fixture.path("credentials")).get()
        #expect(config.ingest.writeKeys[1].key == "app-from-credentials")
    }

    @Test func missingVariablesAndFilesAreReportedAtTheirScalarNamingKeyAndSource() {
        let fixture = fixture()
        try! FileManager.default.removeItem(atPath: fixture.path("secrets/write_key"))
        #expect(fixture.errors(["CREDENTIALS_DIRECTORY": fixture.path("credentials")]) == [
            "DIR/aerd.yaml:1:23: error: cannot resolve 'server.admin_token': environment variable ADMIN is not set",
            "DIR/aerd.yaml:4:26: error: cannot resolve 'ingest.write_keys[0].key': cannot read DIR/secrets/write_key (no such file)",
            "DIR/aerd.yaml:7:69: error: cannot resolve 'channels[0].secret': environment variable HOOK_SECRET is not set",
            "DIR/aerd.yaml:7:122: error: cannot resolve 'channels[0].headers.x-token': environment variable ADMIN is not set",
        ])
    }

    @Test func relativeFilesNeedACredentialsDirectory() {
        let fixture = fixture()
        #expect(fixture.errors(["ADMIN": "a", "HOOK_SECRET": "h"]) == [
            "DIR/aerd.yaml:5:26: error: cannot resolve 'ingest.write_keys[1].key': app_key is a relative path but CREDENTIALS_DIRECTORY is not set; use an absolute path, or run under systemd with LoadCredential=app_key:PATH",
        ])
    }

    @Test func unknownReferenceKindsAreReported() {
        let fixture = Fixture(["aerd.yaml": Fixture.mainFile.replacingOccurrences(of: "admin_token: admin", with: "admin_token: \"${vault:admin}\"")])
        #expect(fixture.errors() == [
            "DIR/aerd.yaml:1:23: error: cannot resolve 'server.admin_token': unknown reference '${vault:admin}'; write ${env:NAME} or ${file:PATH} as the whole value",
        ])
    }

    @Test func literalSecretsAreAccepted() throws {
        let config = try Fixture().load().get()
        #expect(config.server.adminToken == "admin")
        #expect(config.ingest.writeKeys == [WriteKey(source: "web", key: "k1")])
    }

    @Test func referencesInsideLongerTextAreLeftAlone() throws {
        let fixture = Fixture(["aerd.yaml": Fixture.mainFile.replacingOccurrences(of: "admin_token: admin", with: "admin_token: \"x${env:A}\"")])
        #expect(try fixture.load().get().server.adminToken == "x${env:A}")
    }
}
