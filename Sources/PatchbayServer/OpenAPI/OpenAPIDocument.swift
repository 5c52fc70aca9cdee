/// The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.json`: the one description of
/// every endpoint, request, response, header and error. Edit the JSON below when the API changes;
/// `OpenAPITests` check that it parses and that its paths are exactly the router's routes, and the
/// schemathesis test checks the live server against it.
///
/// A string in the binary, not a resource file: the `patchbay` executable and the test binary
/// serve it without a resource bundle beside them.
public enum OpenAPIDocument {
    /// The document's JSON text.
    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Patchbay",
    "version": "0.1.0",
    "summary": "A gateway between chat widgets and AI providers.",
    "description": "Chat widgets call Patchbay; the operator's providers.yaml decides which provider, model and key answer each assistant. Every response carries `X-Request-ID`; every error has the shape `{\"error\":{\"message\",\"code\",\"details\":{\"field\"}}}`. Limits quoted here are the defaults of providers.yaml's `server` section.",
    "license": {
      "name": "Proprietary"
    }
  },
  "tags": [
    {
      "name": "Chat"
    },
    {
      "name": "Conversations"
    },
    {
      "name": "Info"
    },
    {
      "name": "Protection"
    },
    {
      "name": "CORS"
    },
    {
      "name": "Operations",
      "description": "Reloading the configuration."
    }
  ],
  "security": [
    {},
    {
      "bearerAuth": []
    },
    {
      "apiKeyHeader": []
    }
  ],
  "paths": {
    "/api/chat": {
      "post": {
        "summary": "One chat turn",
        "operationId": "chat",
        "tags": [
          "Chat"
        ],
        "description": "Routes the turn to the assistant's provider and model (chosen by the operator in providers.yaml, never by the client). Counted against the caller's rate limits. A browser page from an origin not on `server.cors_origins` is refused with 403.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ChatRequest"
              }
            }
          }
        },
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The reply: Server-Sent Events when `stream` is true (the default), else one JSON object. A failure after the stream began is its last event, with `error`.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              },
              "X-Conversation-ID": {
                "$ref": "#/components/headers/X-Conversation-ID"
              },
              "Cache-Control": {
                "description": "`no-cache, no-transform` on a stream: never cached or transformed.",
                "schema": {
                  "const": "no-cache, no-transform"
                }
              },
              "X-Accel-Buffering": {
                "description": "`no` on a stream: keeps nginx-style proxies from buffering it.",
                "schema": {
                  "const": "no"
                }
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ChatReply"
                }
              },
              "text/event-stream": {
                "schema": {
                  "type": "object",
                  "required": [
                    "data",
                    "event"
                  ],
                  "properties": {
                    "event": {
                      "const": "message",
                      "description": "No `event:` field is sent: every event is the default `message`."
                    },
                    "data": {
                      "type": "string",
                      "contentMediaType": "application/json",
                      "contentSchema": {
                        "$ref": "#/components/schemas/ChatStreamEvent"
                      },
                      "description": "The JSON of one ChatStreamEvent."
                    }
                  },
                  "additionalProperties": false,
                  "description": "Server-Sent Events, flushed as they come: deltas, then one end event, e.g. `data: {\"content\":\"Hello\",\"done\":false}` and a blank line. This schema describes each event as `{event, data}` (OpenAPI 3.1 has no item schema for streams; 3.2 calls this `itemSchema`)."
                }
              }
            },
            "links": {
              "GetConversation": {
                "operationId": "getConversation",
                "parameters": {
                  "id": "$response.header.X-Conversation-ID"
                },
                "description": "The stored conversation of a widget-style turn, or of one with a conversationId."
              },
              "DeleteConversation": {
                "operationId": "deleteConversation",
                "parameters": {
                  "id": "$response.header.X-Conversation-ID"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/InvalidRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "429": {
            "$ref": "#/components/responses/RateLimited"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "502": {
            "$ref": "#/components/responses/ProviderError"
          },
          "503": {
            "$ref": "#/components/responses/ProviderUnavailable"
          },
          "504": {
            "$ref": "#/components/responses/Timeout"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /api/chat",
        "operationId": "preflightApiChat",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          },
          "401": {
            "$ref": "#/components/responses/UnauthorizedNotAPreflight"
          }
        }
      }
    },
    "/api/conversations/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string"
          },
          "description": "The conversation's id."
        }
      ],
      "get": {
        "summary": "A stored conversation and one page of its messages",
        "operationId": "getConversation",
        "tags": [
          "Conversations"
        ],
        "description": "404 for an unknown id, or when the server stores no conversations.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          },
          {
            "name": "page",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000000,
              "default": 1
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200,
              "default": 50
            }
          }
        ],
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The conversation and the page.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ConversationPage"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/InvalidRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "delete": {
        "summary": "Delete a stored conversation",
        "operationId": "deleteConversation",
        "tags": [
          "Conversations"
        ],
        "description": "404 for an unknown id, or when the server stores no conversations.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "204": {
            "description": "Deleted.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /api/conversations/{id}",
        "operationId": "preflightApiConversationsId",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          },
          "401": {
            "$ref": "#/components/responses/UnauthorizedNotAPreflight"
          }
        }
      }
    },
    "/api/assistants": {
      "get": {
        "summary": "The assistants",
        "operationId": "listAssistants",
        "tags": [
          "Info"
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "Each assistant and whether it can answer now.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Assistants"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /api/assistants",
        "operationId": "preflightApiAssistants",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          },
          "401": {
            "$ref": "#/components/responses/UnauthorizedNotAPreflight"
          }
        }
      }
    },
    "/api/providers": {
      "get": {
        "summary": "The plugins and providers",
        "operationId": "listProviders",
        "tags": [
          "Info"
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "Plugins with their versions, ABI, capabilities and models; providers and whether each is configured.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Providers"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /api/providers",
        "operationId": "preflightApiProviders",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          },
          "401": {
            "$ref": "#/components/responses/UnauthorizedNotAPreflight"
          }
        }
      }
    },
    "/api/rate-limit": {
      "get": {
        "summary": "The caller's rate limits",
        "operationId": "showRateLimit",
        "tags": [
          "Protection"
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The caller, its limits and every window. Counts nothing.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              },
              "Cache-Control": {
                "$ref": "#/components/headers/Cache-Control-No-Store"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RateLimitReport"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /api/rate-limit",
        "operationId": "preflightApiRateLimit",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          },
          "401": {
            "$ref": "#/components/responses/UnauthorizedNotAPreflight"
          }
        }
      }
    },
    "/health": {
      "get": {
        "summary": "Health",
        "operationId": "health",
        "tags": [
          "Info"
        ],
        "description": "Never behind authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {}
        ],
        "responses": {
          "200": {
            "description": "Up; `degraded` when some provider cannot answer.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /health",
        "operationId": "preflightHealth",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "operationId": "metrics",
        "tags": [
          "Info"
        ],
        "description": "`Content-Type: text/plain; version=0.0.4`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {}
        ],
        "responses": {
          "200": {
            "description": "Prometheus text exposition format 0.0.4.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            },
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /metrics",
        "operationId": "preflightMetrics",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "operationId": "openAPIDocument",
        "tags": [
          "Info"
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {}
        ],
        "responses": {
          "200": {
            "description": "The OpenAPI 3.1 document of this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "openapi",
                    "info",
                    "paths"
                  ]
                }
              }
            }
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /openapi.json",
        "operationId": "preflightOpenapiJson",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          }
        }
      }
    },
    "/admin/reload": {
      "post": {
        "summary": "Reload providers.yaml and the plugins now",
        "operationId": "adminReload",
        "tags": [
          "Operations"
        ],
        "description": "What `patchbay reload` calls. Without auth, only from the server's own machine (a loopback address); with auth, only with a key marked `admin: true`. A valid file replaces the routing at once (requests in flight keep theirs); an invalid one changes nothing and is answered 422 with its located errors.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "security": [
          {},
          {
            "bearerAuth": []
          },
          {
            "apiKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "Applied.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              },
              "Cache-Control": {
                "$ref": "#/components/headers/Cache-Control-No-Store"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReloadOutcome"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "422": {
            "description": "Rejected: the file is invalid; the configuration in force stays.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary"
              },
              "Cache-Control": {
                "$ref": "#/components/headers/Cache-Control-No-Store"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReloadOutcome"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      },
      "options": {
        "summary": "CORS preflight for /admin/reload",
        "operationId": "preflightAdminReload",
        "tags": [
          "CORS"
        ],
        "description": "Answered by the server's origin policy for every path, before routing or authentication.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Origin"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestMethod"
          },
          {
            "$ref": "#/components/parameters/AccessControlRequestHeaders"
          }
        ],
        "responses": {
          "204": {
            "description": "The origin may call this server.",
            "headers": {
              "X-Request-ID": {
                "$ref": "#/components/headers/X-Request-ID"
              },
              "X-Process-Time": {
                "$ref": "#/components/headers/X-Process-Time"
              },
              "X-Content-Type-Options": {
                "$ref": "#/components/headers/X-Content-Type-Options"
              },
              "Referrer-Policy": {
                "$ref": "#/components/headers/Referrer-Policy"
              },
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              },
              "X-RateLimit-Reset": {
                "$ref": "#/components/headers/X-RateLimit-Reset"
              },
              "Retry-After": {
                "$ref": "#/components/headers/Retry-After"
              },
              "Strict-Transport-Security": {
                "$ref": "#/components/headers/Strict-Transport-Security"
              },
              "Access-Control-Allow-Origin": {
                "$ref": "#/components/headers/Access-Control-Allow-Origin-Preflight"
              },
              "Access-Control-Expose-Headers": {
                "$ref": "#/components/headers/Access-Control-Expose-Headers"
              },
              "Vary": {
                "$ref": "#/components/headers/Vary-Preflight"
              },
              "Access-Control-Allow-Methods": {
                "$ref": "#/components/headers/Access-Control-Allow-Methods"
              },
              "Access-Control-Allow-Headers": {
                "$ref": "#/components/headers/Access-Control-Allow-Headers"
              },
              "Access-Control-Max-Age": {
                "$ref": "#/components/headers/Access-Control-Max-Age"
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotAPreflight"
          },
          "401": {
            "$ref": "#/components/responses/UnauthorizedNotAPreflight"
          }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "ErrorCode": {
        "type": "string",
        "enum": [
          "INVALID_REQUEST",
          "UNAUTHORIZED",
          "FORBIDDEN",
          "NOT_FOUND",
          "PAYLOAD_TOO_LARGE",
          "RATE_LIMITED",
          "INTERNAL_ERROR",
          "PROVIDER_ERROR",
          "PROVIDER_UNAVAILABLE",
          "TIMEOUT",
          "SHUTTING_DOWN"
        ],
        "description": "What went wrong; each code has one HTTP status: INVALID_REQUEST 400, UNAUTHORIZED 401, FORBIDDEN 403, NOT_FOUND 404 (also an unknown endpoint or a method a path does not have), PAYLOAD_TOO_LARGE 413, RATE_LIMITED 429, INTERNAL_ERROR 500, PROVIDER_ERROR 502, PROVIDER_UNAVAILABLE 503, TIMEOUT 504, SHUTTING_DOWN 503 (the server stopped the reply while shutting down)."
      },
      "ErrorObject": {
        "type": "object",
        "required": [
          "message",
          "code"
        ],
        "properties": {
          "message": {
            "type": "string",
            "description": "What happened, written for the widget's user. Never an upstream's own message, a key, or anything internal."
          },
          "code": {
            "$ref": "#/components/schemas/ErrorCode"
          },
          "details": {
            "type": "object",
            "required": [
              "field"
            ],
            "properties": {
              "field": {
                "type": "string",
                "description": "The request field at fault, e.g. `message`, `messages[1].role`, `assistantType`, `page`, `Origin`."
              }
            },
            "additionalProperties": false
          }
        },
        "additionalProperties": false
      },
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "$ref": "#/components/schemas/ErrorObject"
          }
        },
        "additionalProperties": false,
        "description": "Every error response: `{\"error\":{\"message\",\"code\",\"details\":{\"field\"}}}`."
      },
      "ChatMessage": {
        "type": "object",
        "required": [
          "role",
          "content"
        ],
        "properties": {
          "role": {
            "type": "string",
            "enum": [
              "system",
              "user",
              "assistant"
            ]
          },
          "content": {
            "type": "string",
            "maxLength": 32000,
            "description": "At most `server.max_message_chars` (default 32000) Unicode scalar values."
          }
        },
        "description": "One message of the OpenAI-style shape. Other members are ignored."
      },
      "HistoryEntry": {
        "type": "object",
        "required": [
          "text",
          "sender"
        ],
        "properties": {
          "text": {
            "type": "string"
          },
          "sender": {
            "type": "string",
            "enum": [
              "user",
              "assistant",
              "bot"
            ],
            "description": "`bot` is read as `assistant`."
          },
          "timestamp": {
            "description": "Ignored; widgets send epoch seconds."
          }
        },
        "description": "One entry of the widget-style history. Other members are ignored."
      },
      "MessagesChatRequest": {
        "type": "object",
        "required": [
          "messages"
        ],
        "properties": {
          "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 200,
            "items": {
              "$ref": "#/components/schemas/ChatMessage"
            },
            "description": "Oldest first; at most `server.max_messages` (default 200). It must hold a user message, and the last user message must hold a non-whitespace character; with a `conversationId`, the last message must be the user's new message. Stateless unless a `conversationId` is given."
          },
          "message": {
            "type": "null",
            "description": "Only null: send `messages` or `message`, not both."
          },
          "history": {
            "type": [
              "array",
              "null"
            ],
            "items": {
              "$ref": "#/components/schemas/HistoryEntry"
            },
            "description": "Ignored in this shape (but must be well formed)."
          },
          "assistantType": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "default": "default",
            "examples": [
              "default"
            ],
            "description": "The assistant to answer (see `GET /api/assistants`); `default` when absent or null. An unknown one is 404 NOT_FOUND."
          },
          "stream": {
            "type": [
              "boolean",
              "null"
            ],
            "default": true,
            "description": "`true` (the default; also when null): Server-Sent Events. `false`: one JSON object."
          },
          "conversationId": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[A-Za-z0-9._-]{1,128}$",
            "description": "The stored conversation to continue, or to create under this id. Null is the same as absent."
          }
        },
        "description": "The OpenAI-style shape. Provider, model and key are never the client's to choose: members such as `provider`, `model` or `apiKey` are ignored."
      },
      "WidgetChatRequest": {
        "type": "object",
        "required": [
          "message"
        ],
        "properties": {
          "message": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32000,
            "pattern": "[^\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]",
            "description": "The user's new message: at least one non-whitespace character, at most `server.max_message_chars` (default 32000) Unicode scalar values."
          },
          "messages": {
            "type": "null",
            "description": "Only null: send `messages` or `message`, not both."
          },
          "history": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 200,
            "items": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/HistoryEntry"
                }
              ],
              "properties": {
                "text": {
                  "maxLength": 32000
                }
              }
            },
            "description": "What the widget kept, oldest first; at most `server.max_messages` (default 200) entries. It only seeds a conversation the server does not hold yet; a stored conversation's own history wins."
          },
          "assistantType": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "default": "default",
            "examples": [
              "default"
            ],
            "description": "The assistant to answer (see `GET /api/assistants`); `default` when absent or null. An unknown one is 404 NOT_FOUND."
          },
          "stream": {
            "type": [
              "boolean",
              "null"
            ],
            "default": true,
            "description": "`true` (the default; also when null): Server-Sent Events. `false`: one JSON object."
          },
          "conversationId": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[A-Za-z0-9._-]{1,128}$",
            "description": "The stored conversation to continue, or to create under this id. Null is the same as absent."
          }
        },
        "description": "The widget shape. The turn is always stored: without a `conversationId` the server creates one and returns it (header `X-Conversation-ID`, `conversationId` in the reply)."
      },
      "ChatRequest": {
        "oneOf": [
          {
            "$ref": "#/components/schemas/MessagesChatRequest"
          },
          {
            "$ref": "#/components/schemas/WidgetChatRequest"
          }
        ],
        "description": "Either shape; the body is at most `server.max_body_bytes` (default 262144) bytes (413 beyond)."
      },
      "TokenUsage": {
        "type": "object",
        "required": [
          "inputTokens",
          "outputTokens",
          "totalTokens"
        ],
        "properties": {
          "inputTokens": {
            "type": "integer",
            "minimum": 0
          },
          "outputTokens": {
            "type": "integer",
            "minimum": 0
          },
          "totalTokens": {
            "type": "integer",
            "minimum": 0
          }
        },
        "additionalProperties": false
      },
      "ChatReply": {
        "type": "object",
        "required": [
          "content",
          "message",
          "done",
          "requestId",
          "assistantType",
          "provider",
          "model"
        ],
        "properties": {
          "content": {
            "type": "string",
            "description": "The whole reply."
          },
          "message": {
            "type": "string",
            "description": "The same text as `content`, for widgets that read this name."
          },
          "done": {
            "const": true
          },
          "requestId": {
            "type": "string",
            "description": "The request's id (as in `X-Request-ID`)."
          },
          "assistantType": {
            "type": "string"
          },
          "provider": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "usage": {
            "$ref": "#/components/schemas/TokenUsage"
          },
          "finishReason": {
            "type": "string",
            "description": "Why the reply ended, as the provider said (`stop`, `length`, …)."
          },
          "conversationId": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._-]{1,128}$",
            "description": "The stored conversation, when the turn was stored."
          },
          "conversationReset": {
            "const": true,
            "description": "Present when inactivity reset the conversation's context before this turn."
          }
        },
        "additionalProperties": false,
        "description": "A reply with `\"stream\": false`."
      },
      "ChatStreamDelta": {
        "type": "object",
        "required": [
          "content",
          "done"
        ],
        "properties": {
          "content": {
            "type": "string"
          },
          "done": {
            "const": false
          }
        },
        "additionalProperties": false,
        "description": "One SSE event per piece of the reply: `data: {\"content\":\"…\",\"done\":false}`."
      },
      "ChatStreamEnd": {
        "type": "object",
        "required": [
          "content",
          "done",
          "requestId",
          "assistantType",
          "provider",
          "model"
        ],
        "properties": {
          "content": {
            "const": ""
          },
          "done": {
            "const": true
          },
          "error": {
            "allOf": [
              {
                "$ref": "#/components/schemas/ErrorObject"
              }
            ],
            "description": "Present when the reply failed after the stream had begun."
          },
          "requestId": {
            "type": "string",
            "description": "The request's id (as in `X-Request-ID`)."
          },
          "assistantType": {
            "type": "string"
          },
          "provider": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "usage": {
            "$ref": "#/components/schemas/TokenUsage"
          },
          "finishReason": {
            "type": "string",
            "description": "Why the reply ended, as the provider said (`stop`, `length`, …)."
          },
          "conversationId": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._-]{1,128}$",
            "description": "The stored conversation, when the turn was stored."
          },
          "conversationReset": {
            "const": true,
            "description": "Present when inactivity reset the conversation's context before this turn."
          }
        },
        "additionalProperties": false,
        "description": "The last SSE event of every stream."
      },
      "ChatStreamEvent": {
        "oneOf": [
          {
            "$ref": "#/components/schemas/ChatStreamDelta"
          },
          {
            "$ref": "#/components/schemas/ChatStreamEnd"
          }
        ],
        "description": "The JSON of one `data:` line of a `text/event-stream` chat reply."
      },
      "Health": {
        "type": "object",
        "required": [
          "status",
          "version",
          "uptimeSeconds",
          "plugins",
          "providers",
          "activeCalls"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok",
              "degraded"
            ],
            "description": "`degraded`: up, but some provider cannot answer."
          },
          "version": {
            "type": "string"
          },
          "uptimeSeconds": {
            "type": "number",
            "minimum": 0
          },
          "plugins": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "version"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "version": {
                  "type": "string"
                }
              },
              "additionalProperties": false
            }
          },
          "providers": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "plugin",
                "configured"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "plugin": {
                  "type": "string"
                },
                "configured": {
                  "type": "boolean"
                },
                "reason": {
                  "type": "string",
                  "description": "Why the provider cannot answer (no key, plugin missing, …)."
                }
              },
              "additionalProperties": false
            }
          },
          "stats": {
            "allOf": [
              {
                "type": "object",
                "required": [
                  "totalConversations",
                  "totalMessages",
                  "activeConversations"
                ],
                "properties": {
                  "totalConversations": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "totalMessages": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "activeConversations": {
                    "type": "integer",
                    "minimum": 0
                  }
                },
                "additionalProperties": false
              }
            ],
            "description": "Present when conversations are stored. Active: a turn within the last hour."
          },
          "lastReload": {
            "$ref": "#/components/schemas/ReloadOutcome",
            "description": "The last reload; absent before the first."
          },
          "activeCalls": {
            "type": "integer",
            "minimum": 0,
            "description": "Provider calls in flight now."
          }
        },
        "additionalProperties": false
      },
      "Providers": {
        "type": "object",
        "required": [
          "plugins",
          "providers"
        ],
        "properties": {
          "plugins": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "version",
                "abi",
                "capabilities",
                "models"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "version": {
                  "type": "string"
                },
                "abi": {
                  "type": "string",
                  "pattern": "^[0-9]+\\.[0-9]+$"
                },
                "capabilities": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                "models": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                "description": {
                  "type": "string"
                }
              },
              "additionalProperties": false
            }
          },
          "providers": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "plugin",
                "configured"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "plugin": {
                  "type": "string"
                },
                "configured": {
                  "type": "boolean"
                }
              },
              "additionalProperties": false
            }
          }
        },
        "additionalProperties": false,
        "description": "Never a provider's settings: they may hold keys."
      },
      "Assistants": {
        "type": "object",
        "required": [
          "assistants"
        ],
        "properties": {
          "assistants": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "name",
                "description",
                "provider",
                "model",
                "available"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "description": {
                  "type": "string"
                },
                "provider": {
                  "type": "string"
                },
                "model": {
                  "type": "string"
                },
                "available": {
                  "type": "boolean"
                }
              },
              "additionalProperties": false
            }
          }
        },
        "additionalProperties": false,
        "description": "Never a key, never a system prompt."
      },
      "RateLimits": {
        "type": "object",
        "required": [],
        "properties": {
          "requestsPerMinute": {
            "type": "integer",
            "minimum": 0
          },
          "requestsPerHour": {
            "type": "integer",
            "minimum": 0
          },
          "requestsPerDay": {
            "type": "integer",
            "minimum": 0
          },
          "tokensPerDay": {
            "type": "integer",
            "minimum": 0
          },
          "burst": {
            "type": "integer",
            "minimum": 0
          }
        },
        "additionalProperties": false,
        "description": "The limits in force; an absent member is no limit."
      },
      "RateLimitWindow": {
        "type": "object",
        "required": [
          "window",
          "limit",
          "remaining",
          "reset"
        ],
        "properties": {
          "window": {
            "type": "string",
            "enum": [
              "minute",
              "hour",
              "day",
              "burst",
              "tokens_day"
            ]
          },
          "limit": {
            "type": "integer",
            "minimum": 0
          },
          "remaining": {
            "type": "integer",
            "minimum": 0
          },
          "reset": {
            "type": "integer",
            "description": "When the window resets (the burst bucket: when it is full again), epoch seconds."
          },
          "retryAfterSeconds": {
            "type": "integer",
            "minimum": 1,
            "description": "Present when the window admits no request now: seconds until it does."
          }
        },
        "additionalProperties": false
      },
      "RateLimitReport": {
        "type": "object",
        "required": [
          "caller",
          "overall",
          "assistants",
          "openStreams"
        ],
        "properties": {
          "caller": {
            "type": "object",
            "required": [
              "kind",
              "id"
            ],
            "properties": {
              "kind": {
                "type": "string",
                "enum": [
                  "key",
                  "address"
                ]
              },
              "id": {
                "type": "string",
                "description": "The API key's id, or the client address."
              }
            },
            "additionalProperties": false
          },
          "overall": {
            "type": "object",
            "required": [
              "limits",
              "allowed",
              "windows"
            ],
            "properties": {
              "limits": {
                "$ref": "#/components/schemas/RateLimits"
              },
              "allowed": {
                "type": "boolean",
                "description": "Whether a chat turn made now would pass these limits."
              },
              "windows": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/RateLimitWindow"
                }
              }
            },
            "additionalProperties": false,
            "description": "The caller's limits across every assistant."
          },
          "assistants": {
            "type": "array",
            "description": "Assistants with limits of their own, counted per caller on top of `overall`.",
            "items": {
              "type": "object",
              "required": [
                "assistantType",
                "limits",
                "allowed",
                "windows"
              ],
              "properties": {
                "assistantType": {
                  "type": "string"
                },
                "limits": {
                  "$ref": "#/components/schemas/RateLimits"
                },
                "allowed": {
                  "type": "boolean",
                  "description": "Whether a chat turn made now would pass these limits."
                },
                "windows": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/RateLimitWindow"
                  }
                }
              },
              "additionalProperties": false
            }
          },
          "maxConcurrentStreams": {
            "type": "integer",
            "minimum": 1,
            "description": "`server.max_streams_per_caller`; absent when there is no cap."
          },
          "openStreams": {
            "type": "integer",
            "minimum": 0
          }
        },
        "additionalProperties": false
      },
      "ConversationPage": {
        "type": "object",
        "required": [
          "conversation",
          "messages",
          "pagination"
        ],
        "properties": {
          "conversation": {
            "type": "object",
            "required": [
              "id",
              "assistantType",
              "createdAt",
              "updatedAt",
              "messageCount"
            ],
            "properties": {
              "id": {
                "type": "string"
              },
              "assistantType": {
                "type": "string"
              },
              "createdAt": {
                "type": "string",
                "format": "date-time"
              },
              "updatedAt": {
                "type": "string",
                "format": "date-time"
              },
              "contextStartedAt": {
                "type": "string",
                "format": "date-time",
                "description": "When the context last reset; absent if never."
              },
              "messageCount": {
                "type": "integer",
                "minimum": 0
              }
            },
            "additionalProperties": false
          },
          "messages": {
            "type": "array",
            "description": "Oldest first.",
            "items": {
              "type": "object",
              "required": [
                "id",
                "role",
                "content",
                "timestamp",
                "status"
              ],
              "properties": {
                "id": {
                  "type": "integer",
                  "format": "int64"
                },
                "role": {
                  "type": "string",
                  "enum": [
                    "system",
                    "user",
                    "assistant"
                  ]
                },
                "content": {
                  "type": "string"
                },
                "timestamp": {
                  "type": "string",
                  "format": "date-time"
                },
                "assistantType": {
                  "type": "string"
                },
                "provider": {
                  "type": "string"
                },
                "model": {
                  "type": "string"
                },
                "usage": {
                  "$ref": "#/components/schemas/TokenUsage"
                },
                "status": {
                  "type": "string",
                  "enum": [
                    "complete",
                    "cancelled",
                    "error"
                  ],
                  "description": "`cancelled`: the client went away, the partial text is kept; `error`: see `errorCode`."
                },
                "errorCode": {
                  "$ref": "#/components/schemas/ErrorCode"
                }
              },
              "additionalProperties": false
            }
          },
          "pagination": {
            "type": "object",
            "required": [
              "page",
              "limit",
              "total",
              "pages",
              "has_next",
              "has_prev"
            ],
            "properties": {
              "page": {
                "type": "integer",
                "minimum": 1
              },
              "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": 200
              },
              "total": {
                "type": "integer",
                "minimum": 0
              },
              "pages": {
                "type": "integer",
                "minimum": 0
              },
              "has_next": {
                "type": "boolean"
              },
              "has_prev": {
                "type": "boolean"
              }
            },
            "additionalProperties": false
          }
        },
        "additionalProperties": false
      },
      "ReloadOutcome": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "result",
          "trigger",
          "at",
          "errors",
          "plugins"
        ],
        "description": "The outcome of one reload of providers.yaml and the plugins folder.",
        "properties": {
          "result": {
            "type": "string",
            "enum": [
              "applied",
              "rejected"
            ],
            "description": "`rejected`: the file was invalid and the configuration in force stays."
          },
          "trigger": {
            "type": "string",
            "enum": [
              "file",
              "plugins",
              "signal",
              "admin"
            ],
            "description": "What set it off: a change to the file, to the plugins folder, SIGHUP, or POST /admin/reload."
          },
          "at": {
            "type": "string",
            "format": "date-time"
          },
          "errors": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Rejected: every error as `file:line:column: message`. Applied: problems that leave a provider unavailable."
          },
          "plugins": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The plugins loaded after it, as `name version`."
          }
        }
      }
    },
    "responses": {
      "InvalidRequest": {
        "description": "INVALID_REQUEST: the request breaks a rule; `details.field` names the field.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "INVALID_REQUEST"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "Unauthorized": {
        "description": "UNAUTHORIZED: authentication is enabled (`auth.enabled`) and no valid API key was presented.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          },
          "WWW-Authenticate": {
            "$ref": "#/components/headers/WWW-Authenticate"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "UNAUTHORIZED"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "Forbidden": {
        "description": "FORBIDDEN: the API key may not use this assistant, or the `Origin` may not call this server.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "FORBIDDEN"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "NotFound": {
        "description": "NOT_FOUND.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "NOT_FOUND"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "PayloadTooLarge": {
        "description": "PAYLOAD_TOO_LARGE: the body is over `server.max_body_bytes`.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "PAYLOAD_TOO_LARGE"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "RateLimited": {
        "description": "RATE_LIMITED: a rate limit or token budget is spent (`Retry-After` says for how long), or the caller already has `server.max_streams_per_caller` streams open (`Retry-After: 1`).",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "RATE_LIMITED"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "InternalError": {
        "description": "INTERNAL_ERROR: something unexpected (storage failing, say).",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "INTERNAL_ERROR"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "ProviderError": {
        "description": "PROVIDER_ERROR: the provider answered with an error before the reply began.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "PROVIDER_ERROR"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "ProviderUnavailable": {
        "description": "PROVIDER_UNAVAILABLE: the provider is not configured, its plugin is missing, or it is overloaded; SHUTTING_DOWN: the server is shutting down and stopped the reply past its grace period.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "enum": [
                        "PROVIDER_UNAVAILABLE",
                        "SHUTTING_DOWN"
                      ]
                    }
                  }
                }
              }
            }
          }
        }
      },
      "Timeout": {
        "description": "TIMEOUT: the provider took too long.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "TIMEOUT"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "UnauthorizedNotAPreflight": {
        "description": "UNAUTHORIZED: not a cross-origin preflight, on an `/api/` path, with authentication enabled and no valid key: authentication answers before routing.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          },
          "WWW-Authenticate": {
            "$ref": "#/components/headers/WWW-Authenticate"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "UNAUTHORIZED"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "NotAPreflight": {
        "description": "NOT_FOUND: not a cross-origin preflight (no `Origin`, a same-origin `Origin`, or no `Access-Control-Request-Method`): no route answers OPTIONS.",
        "headers": {
          "X-Request-ID": {
            "$ref": "#/components/headers/X-Request-ID"
          },
          "X-Process-Time": {
            "$ref": "#/components/headers/X-Process-Time"
          },
          "X-Content-Type-Options": {
            "$ref": "#/components/headers/X-Content-Type-Options"
          },
          "Referrer-Policy": {
            "$ref": "#/components/headers/Referrer-Policy"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "Strict-Transport-Security": {
            "$ref": "#/components/headers/Strict-Transport-Security"
          },
          "Access-Control-Allow-Origin": {
            "$ref": "#/components/headers/Access-Control-Allow-Origin"
          },
          "Access-Control-Expose-Headers": {
            "$ref": "#/components/headers/Access-Control-Expose-Headers"
          },
          "Vary": {
            "$ref": "#/components/headers/Vary"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/Error"
                }
              ],
              "properties": {
                "error": {
                  "properties": {
                    "code": {
                      "const": "NOT_FOUND"
                    }
                  }
                }
              }
            }
          }
        }
      }
    },
    "parameters": {
      "RequestID": {
        "name": "X-Request-ID",
        "in": "header",
        "required": false,
        "schema": {
          "type": "string"
        },
        "description": "The client's id for the request, echoed in `X-Request-ID` if it is printable ASCII of at most 128 bytes; otherwise the server makes one."
      },
      "Origin": {
        "name": "Origin",
        "in": "header",
        "required": true,
        "schema": {
          "type": "string"
        },
        "description": "The page's origin. One on `server.cors_origins` gets its grant; any other gets 403."
      },
      "AccessControlRequestMethod": {
        "name": "Access-Control-Request-Method",
        "in": "header",
        "required": true,
        "schema": {
          "type": "string"
        }
      },
      "AccessControlRequestHeaders": {
        "name": "Access-Control-Request-Headers",
        "in": "header",
        "required": false,
        "schema": {
          "type": "string"
        }
      }
    },
    "headers": {
      "X-Request-ID": {
        "description": "The request's id: the client's own `X-Request-ID` when it is printable ASCII of at most 128 bytes, else a new one (32 hex digits). On every response.",
        "required": true,
        "schema": {
          "type": "string",
          "minLength": 1,
          "maxLength": 128,
          "pattern": "^[!-~]+$"
        }
      },
      "X-Process-Time": {
        "description": "Seconds spent producing the response head (for a stream: until it began). On every response.",
        "required": true,
        "schema": {
          "type": "string",
          "pattern": "^[0-9]+\\.[0-9]{6}$"
        }
      },
      "X-Content-Type-Options": {
        "description": "On every response.",
        "required": true,
        "schema": {
          "const": "nosniff"
        }
      },
      "Referrer-Policy": {
        "description": "On every response.",
        "required": true,
        "schema": {
          "const": "no-referrer"
        }
      },
      "X-RateLimit-Limit": {
        "description": "The limit of the caller's tightest window; present when a rate limit applies to the caller.",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^[0-9]+$"
        }
      },
      "X-RateLimit-Remaining": {
        "description": "What remains of that window.",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^[0-9]+$"
        }
      },
      "X-RateLimit-Reset": {
        "description": "When that window resets, epoch seconds.",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^[0-9]+$"
        }
      },
      "Retry-After": {
        "description": "Seconds until a chat turn would be admitted; on a 429, and on any response while the caller's limit is spent.",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^[0-9]+$"
        }
      },
      "Strict-Transport-Security": {
        "description": "`server.strict_transport_security`, when configured.",
        "required": false,
        "schema": {
          "type": "string"
        }
      },
      "Access-Control-Allow-Origin": {
        "description": "The CORS grant, for an origin on `server.cors_origins` (`*` when that list allows any).",
        "required": false,
        "schema": {
          "type": "string"
        }
      },
      "Access-Control-Expose-Headers": {
        "description": "With a CORS grant: the headers a widget may read.",
        "required": false,
        "schema": {
          "const": "X-Request-ID, X-Conversation-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Process-Time"
        }
      },
      "Vary": {
        "description": "`Origin`, with a CORS grant.",
        "required": false,
        "schema": {
          "const": "Origin"
        }
      },
      "X-Conversation-ID": {
        "description": "The stored conversation this chat turn belongs to; present when the turn is stored.",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^[A-Za-z0-9._-]{1,128}$"
        }
      },
      "WWW-Authenticate": {
        "description": "On a 401.",
        "required": true,
        "schema": {
          "const": "Bearer"
        }
      },
      "Cache-Control-No-Store": {
        "description": "The report is live: never cached.",
        "required": true,
        "schema": {
          "const": "no-store"
        }
      },
      "Access-Control-Allow-Methods": {
        "description": "The methods the server has.",
        "required": true,
        "schema": {
          "const": "GET, POST, DELETE, OPTIONS"
        }
      },
      "Access-Control-Allow-Headers": {
        "description": "The request headers a widget may send.",
        "required": true,
        "schema": {
          "const": "Content-Type, Authorization, X-API-Key, X-Request-ID"
        }
      },
      "Access-Control-Max-Age": {
        "description": "Seconds a browser may keep the preflight's answer.",
        "required": true,
        "schema": {
          "const": "600"
        }
      },
      "Access-Control-Allow-Origin-Preflight": {
        "description": "The CORS grant: the origin (`*` when `server.cors_origins` allows any).",
        "required": true,
        "schema": {
          "type": "string"
        }
      },
      "Vary-Preflight": {
        "description": "",
        "required": true,
        "schema": {
          "const": "Origin"
        }
      }
    },
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <key>`; required on `/api/` paths when `auth.enabled`."
      },
      "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "`X-API-Key: <key>`, the same keys as bearerAuth."
      }
    }
  }
}
"""#
}
