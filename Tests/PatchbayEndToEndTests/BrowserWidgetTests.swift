import Foundation
import PatchbayTestSupport
import Synchronization
import Testing

/// The `<chat-bot>` widget in Debian's headless Chromium, driven by Selenium
/// (Tests/Browser/widget_test.py), against the real `patchbay serve` with the echo plugin.
/// `make test` installs Chromium, chromedriver and Selenium (`make pydeps`); without them this
/// test fails, it is never skipped.
@Suite("The chat widget in a real browser")
struct BrowserWidgetTests {
    @Test("stream, Stop, reload, XSS as text, Markdown, errors with Retry, keyboard, launcher, themes, 360 px, CSP")
    func widgetInChromium() async throws {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: apt-get install chromium chromium-driver")
        }
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        // `support` comes first and cannot answer: the demo page must pick `demo`.
        let config = try directory.write("""
            plugins: {directory: .}
            storage: {sqlite_path: ./chats.sqlite}
            providers:
              nokey: {plugin: echo, api_key: "${PATCHBAY_TEST_UNSET_KEY}"}
              echo: {plugin: echo, delay_ms: 60}
            assistants:
              support: {name: Support, description: Needs a key, provider: nokey, model: echo-1}
              demo: {name: Demo (echo), description: Echoes your words, provider: echo, model: echo-1}
            """, as: "providers.yaml")
        let server = try await ServerProcess(config: config)
        defer { server.kill(SIGTERM) }

        // `make screenshots` keeps the pictures in docs/; otherwise they go with the temporary folder.
        let screenshots = ProcessInfo.processInfo.environment["PATCHBAY_SCREENSHOTS"] ?? directory.path
        try await ScriptedChecks.run("Tests/Browser/widget_test.py", ["--base-url", "http://127.0.0.1:\(server.port)", "--screenshots", screenshots],
                                     what: "browser", atLeast: 18, deadline: 240)
        for name in ["widget-light.png", "widget-dark.png", "widget-mobile.png"] {
            let png = FileManager.default.contents(atPath: "\(screenshots)/\(name)") ?? Data()
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(name) was not saved")
        }
    }
}
