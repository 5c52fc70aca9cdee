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
        let (directory, config) = try ScriptedChecks.browserDeployment(assistants: """
              support: {name: Support, description: Needs a key, provider: nokey, model: echo-1}
              demo: {name: Demo (echo), description: Echoes your words, provider: echo, model: echo-1}
            """)
        let server = try await ServerProcess(config: config)
        defer { server.kill(SIGTERM) }

        // `make screenshots` keeps the pictures in docs/; otherwise they go with the temporary folder.
        let screenshots = ProcessInfo.processInfo.environment["PATCHBAY_SCREENSHOTS"] ?? directory.path
        try await ScriptedChecks.run("Tests/Browser/widget_test.py", ["--base-url", "http://127.0.0.1:\(server.port)", "--screenshots", screenshots],
                                     what: "browser", atLeast: 18, deadline: 240)
        ScriptedChecks.expectScreenshots(["widget-light.png", "widget-dark.png", "widget-mobile.png"], in: screenshots)
    }
}
