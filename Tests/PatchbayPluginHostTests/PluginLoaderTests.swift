import Foundation
import Logging
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

@Suite("Plugin loader")
struct PluginLoaderTests {
    @Test("loads the C echo plugin and the Swift plugin, reading their descriptors")
    func loadsShippedPlugins() throws {
        let loader = PluginLoader(logger: LogRecorder().logger())
        let echo = try loader.load(path: TestPaths.builtPlugin("EchoProvider")).get()
        #expect(echo.name == "echo")
        #expect(echo.version == "1.0.0")
        #expect(echo.abiMajor == 1 && echo.abiMinor == PluginLoader.abiMinor)
        #expect(echo.canPause)
        #expect(echo.manifest.models == ["echo-1", "echo-embed"])
        #expect(echo.manifest.capabilities == ["stream", "usage", "cancel", "embeddings"])
        #expect(echo.canEmbed)
        #expect(echo.canCheckSettings)

        let swift = try loader.load(path: TestPaths.builtPlugin("MinimalSwiftProvider")).get()
        #expect(swift.name == "minimal-swift")
        #expect(swift.manifest.models == ["minimal-1"])
    }

    @Test("the C echo plugin exports its entry point and none of its own helpers")
    func echoExportsOneSymbol() throws {
        let handle = try #require(dlopen(TestPaths.builtPlugin("EchoProvider"), RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        #expect(dlsym(handle, "patchbay_plugin_entry_v1") != nil)
        for helper in ["echo_json_parse", "echo_embed", "echo_count_words", "echo_is_space"] {
            #expect(dlsym(handle, helper) == nil, "\(helper) is exported")
        }
    }

    @Test("accepts a smaller (ABI 1.0 minimum) descriptor and reads its optional members as absent")
    func smallerDescriptorAccepted() throws {
        // The Swift fixture's descriptor stops at chat_release: config_check is beyond its size.
        let plugin = try PluginLoader(logger: LogRecorder().logger()).load(path: TestPaths.builtPlugin("MinimalSwiftProvider")).get()
        #expect(PluginLoader.minimumDescriptorSize == 80)
        #expect(!plugin.canCheckSettings)
        #expect(!plugin.canPause)
        try plugin.checkSettings(provider: "p", settingsJSON: "{}")  // no check function: accepted
    }

    @Test("accepts a descriptor from a newer 1.x minor")
    func newerMinorAccepted() async throws {
        let directory = try TemporaryDirectory()
        let path = try await BrokenPluginCompiler.compile("NEWER_MINOR", into: directory)
        let plugin = try PluginLoader(logger: LogRecorder().logger()).load(path: path).get()
        #expect(plugin.abiMinor == 7)
    }

    /// Every way a file can fail to be a plugin, with the exact reason the operator reads.
    @Test(
        "refuses a broken plugin with a precise reason",
        arguments: [
            ("NO_ENTRY", "does not export patchbay_plugin_entry_v1 (not a Patchbay ABI 1 plugin)"),
            ("ENTRY_V2", "does not export patchbay_plugin_entry_v1 (not a Patchbay ABI 1 plugin; it exports patchbay_plugin_entry_v2, a different ABI major)"),
            ("WRONG_MAJOR", "is built for plugin ABI 2.\(PluginLoader.abiMinor); this host speaks ABI 1.\(PluginLoader.abiMinor)"),
            ("TRUNCATED", "descriptor is 40 bytes; ABI 1.0 needs at least 80"),
            ("REFUSES_HOST", "refused this host (ABI 1.\(PluginLoader.abiMinor)): its entry point returned no descriptor"),
            ("HALF_PAUSE", "invalid descriptor: chat_pause and chat_resume must be both set or both NULL"),
            ("BAD_NAME", "invalid descriptor: name 'Bad Name!' must be 1 to 64 of a-z, 0-9, '-' and '_'"),
            ("NULL_FUNCTION", "invalid descriptor: required functions are NULL: chat_start"),
            ("BAD_MANIFEST", #"invalid descriptor: manifest_json is not {"capabilities": [...], "models": [...]}"#),
        ]
    )
    func refusesBrokenPlugin(variant: String, reason: String) async throws {
        let directory = try TemporaryDirectory()
        let path = try await BrokenPluginCompiler.compile(variant, into: directory)
        let result = PluginLoader(logger: LogRecorder().logger()).load(path: path)
        guard case .failure(let refusal) = result else {
            Issue.record("\(variant) was loaded")
            return
        }
        #expect(refusal.message == reason)
        #expect(refusal.path == path)
    }

    @Test("refuses a file that is not ELF")
    func refusesNonELF() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("#!/bin/sh\necho not a library\n", as: "libscript.so")
        let result = PluginLoader(logger: LogRecorder().logger()).load(path: path)
        #expect(throws: PluginLoadError.notELF(path)) { try result.get() }
        #expect(PluginLoadError.notELF(path).description == "\(path): not a shared library (no ELF header)")
    }

    @Test("refuses an ELF file that is not a loadable library, with dlopen's reason")
    func refusesCorruptELF() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/libcut.so"
        // A real library cut short: the ELF magic is there, the rest is not.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestPaths.builtPlugin("EchoProvider"))).prefix(64)
        try bytes.write(to: URL(fileURLWithPath: path))
        guard case .failure(let refusal) = PluginLoader(logger: LogRecorder().logger()).load(path: path) else {
            Issue.record("a truncated file was loaded")
            return
        }
        #expect(refusal.message.hasPrefix("cannot be opened: "))
        #expect(refusal.message.contains("libcut.so"))
    }

    @Test("a folder scan keeps the good plugins, refuses each bad file with one log line naming it")
    func scanRefusesAndContinues() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        // The same plugin again under a file name that sorts later: its name is taken.
        let duplicate = try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libecho-second.so")
        try directory.copy(TestPaths.builtPlugin("MinimalSwiftProvider"), as: "libMinimalSwiftProvider.so")
        let wrongMajor = try await BrokenPluginCompiler.compile("WRONG_MAJOR", into: directory)
        let notELF = try directory.write("hello", as: "libtext.so")
        try directory.write("not a plugin, not a .so: ignored", as: "README.txt")

        let recorder = LogRecorder()
        let catalog = PluginLoader(logger: recorder.logger()).loadDirectory(directory.path)

        #expect(catalog.plugins.map(\.name) == ["echo", "minimal-swift"])
        #expect(catalog.refusals.map(\.path).sorted() == [duplicate, wrongMajor, notELF].sorted())
        let duplicateRefusal = try #require(catalog.refusals.first { $0.path == duplicate })
        #expect(duplicateRefusal.message == "plugin name 'echo' is already taken by \(directory.path)/libEchoProvider.so")
        for path in [duplicate, wrongMajor, notELF] {
            let lines = recorder.lines.filter { $0.level == .error && $0.metadata["plugin.path"] == path }
            #expect(lines.count == 1, "one log line for \(path)")
        }
    }

    @Test("a missing plugins folder is reported, not fatal")
    func missingFolder() {
        let catalog = PluginLoader(logger: LogRecorder().logger()).loadDirectory("/nonexistent/patchbay-plugins")
        #expect(catalog.directoryMissing)
        #expect(catalog.plugins.isEmpty)
    }

    @Test("a create that fails is refused with the plugin's own message")
    func createFails() throws {
        let plugin = try PluginLoader(logger: LogRecorder().logger()).load(path: TestPaths.builtPlugin("MinimalSwiftProvider")).get()
        #expect(throws: PluginLoadError.createFailed(plugin.path, provider: "broken", reason: "fail_create is set, so no instance for you")) {
            _ = try plugin.makeInstance(provider: "broken", settingsJSON: #"{"fail_create":true}"#, logger: LogRecorder().logger())
        }
    }

    @Test("settings a plugin's config_check refuses are reported before any instance exists")
    func configCheckRefuses() throws {
        let echo = try PluginLoader(logger: LogRecorder().logger()).load(path: TestPaths.builtPlugin("EchoProvider")).get()
        #expect(throws: PluginLoadError.configRefused(echo.path, provider: "echo", reason: "echo: delay_ms must be a whole number of milliseconds from 0 to 60000")) {
            try echo.checkSettings(provider: "echo", settingsJSON: #"{"delay_ms":"slow"}"#)
        }
        try echo.checkSettings(provider: "echo", settingsJSON: #"{"delay_ms":5,"provider_name":"echo"}"#)
    }
}
