import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost

@Suite("The README's promises")
struct ReadmeExampleTests {
    @Test("the ten-line C plugin in the README compiles warning-free, loads, and answers")
    func tenLinePlugin() async throws {
        let readme = try String(contentsOfFile: "\(TestPaths.repositoryRoot)/README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "### Write a provider plugin in C"))
        let start = try #require(readme.range(of: "```c\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let source = String(readme[start.upperBound..<end.lowerBound])
        #expect(source.split(separator: "\n").count <= 10)

        let directory = try TemporaryDirectory()
        let file = try directory.write(source, as: "hello.c")
        let library = "\(directory.path)/libhello.so"
        let compile = try await ChildProcess.run(ProcessInfo.processInfo.environment["CC"] ?? "cc", [
            "-shared", "-fPIC", "-Wall", "-Werror", "-I", "\(TestPaths.repositoryRoot)/Sources/CPatchbayPlugin/include", file, "-o", library,
        ])
        #expect(compile.status == 0, "\(compile.output)")

        let plugin = try PluginLoader(logger: LogRecorder().logger()).load(path: library).get()
        #expect(plugin.name == "hello")
        let instance = try plugin.makeInstance(provider: "hello", settingsJSON: "{}", logger: LogRecorder().logger())
        var events: [PluginEvent] = []
        for await event in try instance.startChat(requestJSON: #"{"model":"hi-1","messages":[{"role":"user","content":"x"}]}"#) {
            events.append(event)
        }
        #expect(events == [.delta("hi"), .done(finishReason: nil)])
    }
}
