import Foundation
import PatchbayTestSupport
import Testing

/// The `/chat` page (a PWA on `<chat-bot>`) and the `/docs` API reference in Debian's headless
/// Chromium, driven by Selenium (Tests/Browser/chat_page_test.py), against the real
/// `patchbay serve` with the echo plugin. Like the widget's browser test, it fails (never skips)
/// without Chromium, chromedriver and Selenium (`make pydeps`).
@Suite("The chat page and the API reference in a real browser")
struct BrowserChatPageTests {
    @Test("dropdown from /api/models, streaming, Stop, history, dark mode, status, 360 px, service worker, offline shell; /docs with Try it")
    func chatPageInChromium() async throws {
        let (directory, config) = try ScriptedChecks.browserDeployment(assistants: """
              support: {name: Support, description: Needs a key, provider: nokey, model: echo-1}
              default: {name: Echo, description: Echoes your words, provider: echo, model: echo-1}
              writer: {name: Writer, description: Echoes them too, provider: echo, model: echo-2}
            """)
        let server = try await ServerProcess(config: config)
        // The script's last check stops the server itself (the page must then open offline).
        defer { if server.child.exitStatus == nil { server.kill(SIGTERM) } }

        // `make screenshots` keeps the pictures in docs/screenshots; otherwise they go with the temporary folder.
        let screenshots = ProcessInfo.processInfo.environment["PATCHBAY_SCREENSHOTS"].map { "\($0)/screenshots" } ?? directory.path
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        try await ScriptedChecks.run("Tests/Browser/chat_page_test.py",
                                     ["--base-url", "http://127.0.0.1:\(server.port)", "--server-pid", String(server.pid), "--screenshots", screenshots],
                                     what: "chat page", atLeast: 15, deadline: 240)
        ScriptedChecks.expectScreenshots(["chat-light.png", "chat-dark.png", "chat-mobile.png", "docs.png"], in: screenshots)
    }
}
