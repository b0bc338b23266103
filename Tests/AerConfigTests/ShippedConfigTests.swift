import AerConfig
import AerCore
import Testing

/// The example configuration in `config/` stays complete and valid.
@Suite struct ShippedConfigTests {
    static let configDirectory: String = {
        var path = "\(#filePath)"
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/config"
    }()

    static let environment = ["AERD_ADMIN_TOKEN": "admin-secret", "AERD_WRITE_KEY": "write-secret"]

    @Test func shippedConfigLoadsWithTheTwoVariablesSet() throws {
        let config = try ConfigLoader.load(directory: Self.configDirectory, environment: Self.environment).get()
        #expect(config.summary == "4 segments, 1 lifecycle set (7 stages), 5 strategies, 3 channels, 7 templates")
    }
}
