/*
 * FROZEN: patchbay_plugin.h exactly as ABI 1.0 shipped it (git 2b00c22), for the old-host test
 * (abi10_host.c): a host built against this header knows nothing after config_check. Never edit.
 */
/*
 * patchbay_plugin.h — the Patchbay provider plugin ABI, version 1.
 *
 * This header is the only contract between the Patchbay host and its provider plugins. A plugin
 * is a shared library (.so) that exports ONE function, `patchbay_plugin_entry_v1`, and includes
 * nothing of the host but this file. It links no host symbol: everything the host offers reaches
 * the plugin through `patchbay_host_services`, passed in at instance creation.
 *
 * RULES OF THE ABI
 *  - Append-only. Every struct that crosses the boundary begins with
 *    { uint32_t struct_size; uint16_t abi_major; uint16_t abi_minor; }. New members are only ever
 *    added at the end of a struct, with a minor bump. A reader checks `struct_size` before it
 *    touches any member that is not part of version 1.0's minimum (see PATCHBAY_*_MIN_SIZE).
 *  - A major bump changes the entry point's name (`patchbay_plugin_entry_v2`), so an old host
 *    never mistakes a new plugin for one it understands, and vice versa.
 *  - Strings are UTF-8. A pointer given with a length is NOT NUL-terminated unless said so.
 *  - JSON text crossing the boundary is UTF-8 JSON (RFC 8259). Readers ignore members they do not
 *    know, so the schemas below may grow (additively) in a minor version.
 *  - Every function below is tagged with its THREAD rule, and every pointer with its OWNERSHIP.
 *
 * THREAD TAGS
 *  [any-thread]   may be called from any thread, concurrently with any other [any-thread] call.
 *  [serialized]   may be called from any thread, but never concurrently with any other call on
 *                 the same object (the host serializes create/destroy itself).
 *  [callback]     called BY the plugin, from any thread it chooses (including the thread inside
 *                 `chat_start` before it returns), never concurrently for one call.
 *
 * LIFE OF A CHAT CALL
 *      host                                         plugin
 *      chat_start(instance, request, &call) ---->   returns PATCHBAY_OK at once (no blocking I/O)
 *                                            <----  on_event(DELTA) ... (any thread, maybe before
 *                                                    chat_start has returned)
 *      chat_cancel(call)   (optional, any time) -->  idempotent; the call then ends promptly
 *                                            <----  on_event(DONE or ERROR)  exactly once, last
 *      chat_release(call)                       -->  exactly once, after the terminal event has
 *                                                    been delivered and chat_start has returned
 *
 *  - After PATCHBAY_OK the plugin emits EXACTLY ONE terminal event (DONE or ERROR), and nothing
 *    after it, whatever happens: success, upstream failure, cancel, instance shutdown.
 *    A cancelled call ends with an ERROR event whose code is "CANCELLED".
 *  - If chat_start returns anything but PATCHBAY_OK, the plugin emits no event at all and
 *    `*out_call` is left untouched; there is nothing to release.
 *  - `chat_cancel` may be called any number of times, from any thread, at any moment between
 *    chat_start's return and chat_release — before the first delta, while events flow, after the
 *    terminal event. It never blocks on network I/O. It may deliver the terminal event itself,
 *    on the calling thread, before it returns.
 *  - The plugin never touches `on_event`/`user_data` after the terminal event's callback returns.
 *
 * A MINIMAL PLUGIN (C)
 *      #include "patchbay_plugin.h"
 *      static const patchbay_plugin_descriptor desc = {
 *          .struct_size = sizeof desc, .abi_major = PATCHBAY_ABI_MAJOR,
 *          .abi_minor = PATCHBAY_ABI_MINOR, .name = "hello", .version = "1.0.0",
 *          .manifest_json = "{\"capabilities\":[\"stream\"],\"models\":[\"hello-1\"]}",
 *          .instance_create = my_create, .instance_destroy = my_destroy,
 *          .free_string = my_free, .chat_start = my_start, .chat_cancel = my_cancel,
 *          .chat_release = my_release };
 *      PATCHBAY_EXPORT const patchbay_plugin_descriptor *
 *      patchbay_plugin_entry_v1(uint16_t major, uint16_t minor) { return &desc; }
 *  See Plugins/EchoProvider/EchoProvider.c for a complete, commented reference plugin.
 */
#ifndef PATCHBAY_PLUGIN_H
#define PATCHBAY_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------------------------- */

/** The ABI major version this header describes. A different major is a different ABI. */
#define PATCHBAY_ABI_MAJOR 1
/** The ABI minor version this header describes. Minor versions only append. */
#define PATCHBAY_ABI_MINOR 0

/** The entry point's symbol name for this major version. */
#define PATCHBAY_PLUGIN_ENTRY_SYMBOL "patchbay_plugin_entry_v1"

#if defined(__GNUC__) || defined(__clang__)
#define PATCHBAY_EXPORT __attribute__((visibility("default")))
#else
#define PATCHBAY_EXPORT
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes returned by plugin functions
 * ------------------------------------------------------------------------------------------- */

typedef int32_t patchbay_status;
/** Success. */
#define PATCHBAY_OK 0
/** The arguments are malformed (a NULL pointer, a struct too small, unparseable JSON). */
#define PATCHBAY_ERR_INVALID_ARGUMENT 1
/** The plugin cannot do this now (instance shutting down, resources exhausted). */
#define PATCHBAY_ERR_UNAVAILABLE 2
/** Memory could not be allocated. */
#define PATCHBAY_ERR_NO_MEMORY 3
/** The configuration was refused; an error message says why. */
#define PATCHBAY_ERR_CONFIG 4

/* ---------------------------------------------------------------------------------------------
 * Host services: what the host offers the plugin
 * ------------------------------------------------------------------------------------------- */

/** Log levels, in the order of swift-log's. */
typedef int32_t patchbay_log_level;
#define PATCHBAY_LOG_TRACE 0
#define PATCHBAY_LOG_DEBUG 1
#define PATCHBAY_LOG_INFO 2
#define PATCHBAY_LOG_WARNING 3
#define PATCHBAY_LOG_ERROR 4

/**
 * The host's service table, passed to `instance_create`.
 * OWNERSHIP: owned by the host; valid from `instance_create` until `instance_destroy` returns.
 *            The plugin may keep the pointer for that long. It never writes to the table.
 * APPEND-ONLY: check `struct_size` before using a member added after 1.0.
 */
typedef struct patchbay_host_services {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /** Opaque host state; pass it back as the first argument of every service function. */
    void *host_context;

    /**
     * Write one log line through the host's logger, tagged with this instance's provider name.
     * THREAD: [any-thread].
     * OWNERSHIP: `message` (UTF-8, `message_len` bytes, need not be NUL-terminated) is borrowed
     *            for the duration of the call; the host copies what it keeps.
     * Never pass an API key or message text from a user: the host writes what it is given.
     */
    void (*log)(void *host_context, patchbay_log_level level, const char *message, size_t message_len);
} patchbay_host_services;

/** The size of version 1.0's host services table; the host never passes a smaller one. */
#define PATCHBAY_HOST_SERVICES_MIN_SIZE (offsetof(patchbay_host_services, log) + sizeof(void *))

/* ---------------------------------------------------------------------------------------------
 * Events: what a chat call reports back
 * ------------------------------------------------------------------------------------------- */

typedef int32_t patchbay_event_kind;

/**
 * A piece of the reply's text. `data` is the raw UTF-8 text (NOT JSON), `data_len` bytes.
 * A plugin should not split a UTF-8 character across two deltas; the host tolerates it.
 */
#define PATCHBAY_EVENT_DELTA 1

/**
 * Token usage, JSON. Zero or more times, before the terminal event; the last one wins.
 *   {"input_tokens": <int>, "output_tokens": <int>}
 */
#define PATCHBAY_EVENT_USAGE 2

/**
 * TERMINAL. The reply ended normally, JSON:
 *   {"finish_reason": "stop" | "length" | "content_filter" | "tool_calls" | <string>}
 * `finish_reason` is optional.
 */
#define PATCHBAY_EVENT_DONE 3

/**
 * TERMINAL. The call failed, JSON:
 *   {"code": <string>, "message": <string>, "retryable": <bool>, "upstream_status": <int>}
 * `code` is one of:
 *   "PROVIDER_ERROR"        the upstream answered with an error (4xx/5xx, an error event)
 *   "PROVIDER_UNAVAILABLE"  the upstream could not be reached or is overloaded
 *   "TIMEOUT"               a deadline passed
 *   "INVALID_REQUEST"       the request JSON was unusable by this plugin
 *   "CANCELLED"             the host called chat_cancel
 *   "INTERNAL_ERROR"        anything else
 * `message` is shown to the end user by the host only for codes it deems safe; it must never
 * contain a secret. `retryable` (optional, default false) and `upstream_status` (optional: the
 * HTTP status the upstream sent) help the host decide and report.
 */
#define PATCHBAY_EVENT_ERROR 4

/**
 * One event of a chat call.
 * OWNERSHIP: the struct and `data` are owned by the plugin and borrowed by the host for the
 *            duration of the `on_event` call only; the host copies what it keeps.
 */
typedef struct patchbay_event {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /** One of PATCHBAY_EVENT_*. The host ignores (and logs) kinds it does not know. */
    patchbay_event_kind kind;
    /** UTF-8 bytes: raw text for DELTA, JSON for every other kind. Not NUL-terminated. */
    const char *data;
    /** Length of `data` in bytes. */
    size_t data_len;
} patchbay_event;

/**
 * The host's event callback.
 * THREAD: [callback] — called by the plugin from any thread, never concurrently for one call,
 *         never after the terminal event's call has returned.
 * The host's callback never blocks on I/O and never calls back into the plugin for the same call
 * except `chat_cancel`, which the plugin must tolerate from inside its own `on_event` call.
 */
typedef void (*patchbay_event_fn)(void *user_data, const patchbay_event *event);

/* ---------------------------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------------------------- */

/**
 * A chat request.
 * OWNERSHIP: the struct and `json` are owned by the host and borrowed by the plugin for the
 *            duration of `chat_start` only; the plugin copies what it keeps. `user_data` is
 *            opaque to the plugin and stays valid until the terminal event has been delivered.
 *
 * The request JSON (schema version 1):
 *   {
 *     "request_id":  <string>,               // the host's request id, for logs
 *     "model":       <string>,               // the upstream model name
 *     "system":      <string>,               // optional: the assistant's system prompt
 *     "messages":    [ {"role": "system" | "user" | "assistant", "content": <string>}, ... ],
 *     "stream":      <bool>,                 // the client wants deltas as they come
 *     "temperature": <number>,               // optional
 *     "max_tokens":  <int>,                  // optional
 *     "top_p":       <number>,               // optional
 *     "stop":        [<string>, ...]         // optional: the stop sequences the client gave; sent only when it gave some
 *   }
 * `messages` is in conversation order and ends with the newest user message. A plugin that
 * cannot stream may still be called with "stream": true; it then emits the text as one DELTA.
 */
typedef struct patchbay_chat_request {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /** The request JSON (see above), `json_len` bytes, not NUL-terminated. */
    const char *json;
    size_t json_len;

    /** Where events go. Never NULL. */
    patchbay_event_fn on_event;
    /** Passed back to `on_event` unchanged. */
    void *user_data;
} patchbay_chat_request;

/* ---------------------------------------------------------------------------------------------
 * The plugin's descriptor
 * ------------------------------------------------------------------------------------------- */

/** A configured provider instance. Opaque to the host; owned by the plugin. */
typedef struct patchbay_instance patchbay_instance;
/** One chat call in flight. Opaque to the host; owned by the plugin. */
typedef struct patchbay_call patchbay_call;

/**
 * What a plugin is and can do. Returned by the entry point.
 * OWNERSHIP: owned by the plugin; static — valid, and unchanged, for as long as the library is
 *            loaded (the host never unloads a plugin). Every string member is NUL-terminated.
 * APPEND-ONLY: members after `chat_release` are optional; the host reads one only when
 *            `struct_size` covers it, and treats it as NULL otherwise.
 */
typedef struct patchbay_plugin_descriptor {
    uint32_t struct_size;
    uint16_t abi_major;  /* must be PATCHBAY_ABI_MAJOR */
    uint16_t abi_minor;  /* the minor the plugin was built against */

    /** The plugin's name, unique among loaded plugins: [a-z0-9_-]+ ("openai", "echo"). */
    const char *name;
    /** The plugin's own version (semantic versioning), for display. */
    const char *version;
    /**
     * The manifest, JSON:
     *   {"capabilities": ["stream", "usage", "cancel", ...], "models": ["gpt-4o-mini", ...],
     *    "description": <string>}
     * `models` lists models the plugin knows; the host does not refuse others (an
     * OpenAI-compatible server may serve anything).
     */
    const char *manifest_json;

    /**
     * Create an instance from the provider's settings.
     * THREAD: [serialized].
     * `config_json`: the provider's block of providers.yaml as a JSON object, with every
     *   `${VAR}` already resolved from the environment (so it may hold secrets: never log it),
     *   `config_len` bytes, borrowed for the call. The key "plugin" is removed; the key
     *   "provider_name" (the instance's name in providers.yaml) is added.
     * `host`: see patchbay_host_services for its lifetime.
     * On PATCHBAY_OK: `*out_instance` is set; the host calls `instance_destroy` exactly once.
     * On failure: `*out_instance` is untouched; `*out_error` may be set to a NUL-terminated
     *   message for operators (no secrets), which the host frees with `free_string`.
     */
    patchbay_status (*instance_create)(const patchbay_host_services *host,
                                       const char *config_json, size_t config_len,
                                       patchbay_instance **out_instance, char **out_error);

    /**
     * Destroy an instance. The host calls it only after every call on the instance has been
     * released. It may block until the plugin's own threads have stopped.
     * THREAD: [serialized].
     */
    void (*instance_destroy)(patchbay_instance *instance);

    /**
     * Free a string the plugin allocated and handed to the host (`out_error`).
     * THREAD: [any-thread]. Accepts NULL.
     */
    void (*free_string)(char *string);

    /**
     * Start a chat call. Returns at once: it must not wait for the network.
     * THREAD: [any-thread] — many calls may start concurrently on one instance.
     * On PATCHBAY_OK: `*out_call` is set, and exactly one terminal event will follow (perhaps
     *   before this function returns, from inside it). The host calls `chat_release` once.
     * Otherwise: no event is emitted, `*out_call` is untouched.
     */
    patchbay_status (*chat_start)(patchbay_instance *instance,
                                  const patchbay_chat_request *request,
                                  patchbay_call **out_call);

    /**
     * Ask a call to stop. Idempotent; never blocks on the network.
     * THREAD: [any-thread], including from inside this call's own `on_event`.
     * Valid from the return of `chat_start` until `chat_release`. If the terminal event has not
     * been emitted yet, the plugin stops upstream work and emits ERROR "CANCELLED" (it may
     * instead emit DONE or another ERROR if the call was already ending).
     */
    void (*chat_cancel)(patchbay_call *call);

    /**
     * Give the call handle back. Called exactly once per started call, after the terminal event
     * has been delivered and `chat_start` has returned. The plugin frees the call; `call` is
     * invalid afterwards. The host never calls it from inside `on_event` (the plugin may still
     * be using the call on its way out of the callback), nor concurrently with `chat_cancel`.
     * THREAD: [any-thread].
     */
    void (*chat_release)(patchbay_call *call);

    /* ---- end of the version 1.0 minimum (PATCHBAY_DESCRIPTOR_MIN_SIZE) ---- */

    /**
     * OPTIONAL (may be NULL, or absent from a smaller descriptor): check a provider's settings
     * without creating an instance — no network, no threads. Used by `patchbay check` so that
     * ops see a mistake before the server starts.
     * THREAD: [any-thread].
     * Arguments as for `instance_create`. Returns PATCHBAY_OK or PATCHBAY_ERR_CONFIG with
     * `*out_error` set as there.
     */
    patchbay_status (*config_check)(const char *config_json, size_t config_len, char **out_error);
} patchbay_plugin_descriptor;

/** The smallest descriptor a 1.x host accepts: every member up to and including chat_release. */
#define PATCHBAY_DESCRIPTOR_MIN_SIZE \
    (offsetof(patchbay_plugin_descriptor, chat_release) + sizeof(void *))

/* ---------------------------------------------------------------------------------------------
 * The entry point
 * ------------------------------------------------------------------------------------------- */

/**
 * The one function a plugin exports (with default visibility, C linkage).
 * THREAD: [any-thread]; the host calls it once, right after dlopen.
 * `host_abi_major`/`host_abi_minor`: the host's ABI version. A plugin that needs a newer minor
 *   than the host offers returns NULL, and the host refuses the file with that reason.
 * Returns the plugin's static descriptor (see its OWNERSHIP), or NULL to refuse this host.
 */
typedef const patchbay_plugin_descriptor *(*patchbay_plugin_entry_fn)(uint16_t host_abi_major,
                                                                     uint16_t host_abi_minor);

/* Declared for C and C++ plugins, so the compiler checks their definition. Hidden from Swift's
 * importer: a Swift plugin defines the symbol itself with @_cdecl, and the host finds it by dlsym. */
#if !defined(__swift__)
PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v1(uint16_t host_abi_major,
                                                                          uint16_t host_abi_minor);
#endif

#ifdef __cplusplus
}
#endif

#endif /* PATCHBAY_PLUGIN_H */
