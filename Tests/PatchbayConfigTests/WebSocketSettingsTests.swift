import PatchbayConfig
import Testing

@Suite("WebSocket settings")
struct WebSocketSettingsTests {
    @Test("without them: 5 connections per minute (004's), 64 KiB messages, 8 chats per socket")
    func defaults() throws {
        let configuration = try ConfigurationReader.parse("limits: {requests_per_minute: 60}\n", source: "providers.yaml", environment: [:])
        #expect(configuration.webSocketConnectionsPerMinute == 5)
        #expect(configuration.server.webSocketMaxMessageBytes == 65_536)
        #expect(configuration.server.webSocketMaxChatsPerSocket == 8)
        #expect(configuration.limits.requestsPerMinute == 60)
    }

    @Test("the connection limit sits in limits:, the socket's caps in server:")
    func values() throws {
        let text = """
            server: {websocket_max_message_bytes: 4096, websocket_max_chats_per_socket: 2}
            limits: {burst: 3, websocket_connections_per_minute: 12}
            """
        let configuration = try ConfigurationReader.parse(text, source: "providers.yaml", environment: [:])
        #expect(configuration.webSocketConnectionsPerMinute == 12)
        #expect(configuration.server.webSocketMaxMessageBytes == 4096)
        #expect(configuration.server.webSocketMaxChatsPerSocket == 2)
        #expect(configuration.limits.burst == 3)
    }

    @Test("bad values are reported where they are written")
    func errors() {
        let text = """
            server:
              websocket_max_message_bytes: 0
              websocket_max_chats_per_socket: many
            limits:
              websocket_connections_per_minute: -1
            """
        #expect(errorDescriptions(text) == [
            "providers.yaml:2:32: server: websocket_max_message_bytes must be an integer from 1 to 16777216, found number 0",
            #"providers.yaml:3:35: server: websocket_max_chats_per_socket must be an integer of at least 1, found string "many""#,
            "providers.yaml:5:37: limits: websocket_connections_per_minute must be an integer of at least 1, found number -1",
        ])
    }

    @Test("a key's or an assistant's limits count chat turns only: the connection limit is unknown there")
    func topLevelOnly() {
        let text = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1, limits: {websocket_connections_per_minute: 2}}
            """
        let found = errorDescriptions(text)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("providers.yaml:4:53: unknown key 'websocket_connections_per_minute' in assistant 'default' under 'limits'") == true)
    }
}
