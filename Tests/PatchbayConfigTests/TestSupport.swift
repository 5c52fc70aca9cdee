import PatchbayConfig

/// The configuration from the brief, as shipped in the repository's `providers.yaml`.
let exampleConfiguration = """
    server: {host: 127.0.0.1, port: 8080}        # PORT env overrides port
    plugins: {directory: ./provider-plugins}
    providers:
      openai:    {plugin: openai, base_url: https://api.openai.com/v1, api_key: "${OPENAI_API_KEY}"}
      anthropic: {plugin: anthropic, base_url: https://api.anthropic.com, api_key: "${ANTHROPIC_API_KEY}"}
      echo:      {plugin: echo}
    assistants:
      default:
        name: Default Support Assistant
        description: General customer support assistant
        provider: openai
        model: gpt-4o-mini
        temperature: 0.7
        max_tokens: 2048
        top_p: 0.9
        system_prompt: You are a helpful assistant.
      technical: {provider: anthropic, model: claude-sonnet-4-5}
      demo: {provider: echo, model: echo-1}

    """

/// Parses `text` as `providers.yaml` and returns each error's `file:line:column: message`,
/// or an empty list when the text is valid.
func errorDescriptions(_ text: String, environment: [String: String] = [:]) -> [String] {
    do {
        _ = try ConfigurationReader.parse(text, source: "providers.yaml", environment: environment)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// Parses `text` as `providers.yaml` and returns its errors, or an empty list when it is valid.
func errors(_ text: String, environment: [String: String] = [:]) -> [ConfigurationError] {
    do {
        _ = try ConfigurationReader.parse(text, source: "providers.yaml", environment: environment)
        return []
    } catch {
        return error.errors
    }
}

/// A minimal valid file with `assistant` (indented body lines) as the only assistant, on the echo provider.
func fileWithAssistant(_ body: String) -> String {
    """
    providers:
      echo: {plugin: echo}
    assistants:
      default:
    \(body)
    """
}
