/*
 * patchbay_plugin.h — the Patchbay provider plugin ABI, version 1.4.
 *
 * CHANGELOG
 *  1.4  Upstream timing: a new event kind, PATCHBAY_EVENT_TIMING, JSON {"upstream_us": <int>},
 *       in which a plugin says how long its call has so far waited on its upstream. The host
 *       subtracts it from the time it spends on a turn to report its own overhead
 *       (X-Patchbay-Overhead-Ms); without it, the host counts everything from chat_start to the
 *       first event as the provider's. No struct changes. A plugin sends it only to a host whose
 *       minor (given to the entry point) is 4 or more; 1.0–1.3 plugins are unaffected.
 *  1.3  Embeddings: optional `embed_start` appended to the descriptor, and a new event kind
 *       PATCHBAY_EVENT_EMBEDDING (one float32 vector per input string, raw little-endian bytes).
 *       An embedding call has the life of a chat call (async, exactly one terminal event,
 *       `chat_cancel`, `chat_release` on the same handle type). A plugin that implements it also
 *       lists "embeddings" in its manifest's capabilities; the host embeds through a plugin only
 *       when both are there (see EMBEDDINGS below). 1.0–1.2 plugins are unaffected: their
 *       descriptors are shorter, so the host reads `embed_start` as NULL.
 *  1.2  Provider-side state per conversation (JSON only; no struct changes). A plugin that
 *       declares the manifest capability "state" may put `"state": <string>` (opaque to the host,
 *       at most PATCHBAY_STATE_MAX_BYTES) in its DONE event; the host stores it with the
 *       conversation and passes it back as `"state"` in that conversation's next request JSON,
 *       to the same provider only (see STATE below). 1.0 and 1.1 plugins are unaffected: the
 *       host never sends them `state`, and still sends every request the full `messages`.
 *  1.1  Flow control: optional `chat_pause` / `chat_resume` appended to the descriptor. The host
 *       pauses a call whose client reads more slowly than the upstream writes, instead of
 *       queueing the reply without bound. A 1.0 plugin (a descriptor that ends at `config_check`)
 *       still loads; the host then stops such a call once its queue is full.
 *       Also: an ERROR event may carry `retry_after_ms` (optional JSON member; a 1.0 host ignores
 *       it), which the host uses to cool down the API key that was refused.
 *  1.0  First version.
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
 *  - 1.3: an embedding call (`embed_start`) lives by exactly these rules too; see EMBEDDINGS.
 *  - 1.1: the host may call `chat_pause` when its queue for the call is full, and `chat_resume`
 *    once its client has caught up. A paused call keeps its upstream connection but reads no
 *    more from it (so the upstream's writes slow down) and emits no events until resumed —
 *    except the terminal event, which `chat_cancel` still brings at once.
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
#define PATCHBAY_ABI_MINOR 4

/** The longest `state` (ABI 1.2) the host stores, in bytes of UTF-8. */
#define PATCHBAY_STATE_MAX_BYTES 4096

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
 *   {"finish_reason": "stop" | "length" | "content_filter" | "tool_calls" | <string>,
 *    "state": <string>}
 * Both members are optional. `state` (since ABI 1.2; a plugin that declares the "state"
 * capability only): the provider's handle on the conversation as it now stands (an OpenAI
 * response id, a thread id), at most PATCHBAY_STATE_MAX_BYTES of UTF-8. See STATE below.
 */
#define PATCHBAY_EVENT_DONE 3

/**
 * TERMINAL. The call failed, JSON:
 *   {"code": <string>, "message": <string>, "retryable": <bool>, "upstream_status": <int>,
 *    "retry_after_ms": <int>}
 * `code` is one of:
 *   "PROVIDER_ERROR"        the upstream answered with an error (4xx/5xx, an error event)
 *   "PROVIDER_UNAVAILABLE"  the upstream could not be reached or is overloaded
 *   "TIMEOUT"               a deadline passed
 *   "INVALID_REQUEST"       the request JSON was unusable by this plugin
 *   "CANCELLED"             the host called chat_cancel
 *   "INTERNAL_ERROR"        anything else
 * `message` is shown to the end user by the host only for codes it deems safe; it must never
 * contain a secret. `retryable` (optional, default false), `upstream_status` (optional: the
 * HTTP status the upstream sent) and `retry_after_ms` (optional, since ABI 1.1: how long the
 * upstream asked to wait, from its Retry-After) help the host decide and report. The host cools
 * down the API key of a call that ended with upstream status 429 or 401 (see the README).
 */
#define PATCHBAY_EVENT_ERROR 4

/**
 * ABI 1.3, embedding calls only. One vector, for one input string: the call emits exactly one
 * EMBEDDING event per string of the request's `input`, in input order, before its DONE.
 * `data` is NOT JSON: it is the vector as raw IEEE-754 binary32 floats, little-endian, packed
 * (no header, no padding); `data_len` is 4 × the vector's dimension. Every vector of one call
 * has the same dimension (> 0). `data` need not be 4-byte aligned: the host copies it.
 * The host ignores (and logs) this kind in a chat call, and refuses an embedding call whose
 * vectors are missing, extra, of differing dimensions or of a length not a multiple of 4.
 */
#define PATCHBAY_EVENT_EMBEDDING 5

/**
 * ABI 1.4, chat calls only. How long this call has waited on its upstream so far, JSON:
 *   {"upstream_us": <int>}
 * Microseconds from the moment the plugin handed its (first) request to the network until now:
 * connecting, sending, the upstream's time to its first byte, retries and their back-off, and,
 * for a reply the plugin reads whole before emitting anything, the rest of its body. Not the
 * plugin's own work before the request leaves or after the bytes arrive: that is the gateway's.
 * Optional, zero or more times before the terminal event, each replacing the previous; send it
 * just before the events it accounts for (the first DELTA, or a whole reply's events), so the
 * host has it when those arrive. The host reads it without queueing it as a reply event, and
 * uses it for its overhead figure only (X-Patchbay-Overhead-Ms, patchbay_overhead_seconds):
 * without it, everything from chat_start to the first event counts as the provider's.
 * Send it only to a host of minor >= 4 (the `host_abi_minor` given to the entry point); a value
 * that is not a non-negative integer is ignored.
 */
#define PATCHBAY_EVENT_TIMING 6

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
    /** Raw UTF-8 text for DELTA, raw little-endian float32 for EMBEDDING (1.3), JSON for every
     *  other kind. Not NUL-terminated. */
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
 *     "stop":        [<string>, ...],        // optional: the stop sequences the client gave; sent only when it gave some
 *     "state":       <string>                // optional, 1.2: see STATE below
 *   }
 * `messages` is in conversation order and ends with the newest user message. A plugin that
 * cannot stream may still be called with "stream": true; it then emits the text as one DELTA.
 *
 * STATE (1.2): provider-side memory of a conversation.
 *  - A plugin opts in by listing "state" in its manifest's `capabilities`. The host never sends
 *    `state` to a plugin that does not, and ignores `state` in such a plugin's DONE.
 *  - The DONE event's `state` is stored with the conversation, with the name of the provider
 *    (the providers.yaml entry) whose call produced it. A `state` longer than
 *    PATCHBAY_STATE_MAX_BYTES is refused: the host logs it and keeps no state.
 *  - The next request of that conversation carries `"state"` only when it goes to that same
 *    provider. A turn answered by another provider (another assistant, a routing fallback), a
 *    turn that ends without a DONE carrying `state` (an error, a cancel, a plugin that sent
 *    none), and a reset of the conversation's context all drop the stored state.
 *  - `messages` is always the full context, state or not: a plugin may send its upstream only
 *    what the provider does not already have (the messages after the last "assistant" one), and
 *    must fall back to the full `messages` when the upstream refuses the state (expired,
 *    unknown): it then emits the new state in its DONE as usual.
 *
 * EMBEDDINGS (1.3): `embed_start` takes this same struct, with an embedding request JSON:
 *   {
 *     "request_id": <string>,                // the host's request id, for logs
 *     "model":      <string>,                // the upstream embedding model name
 *     "input":      [<string>, ...]          // one or more texts, each a JSON string
 *   }
 *  - The call emits one EMBEDDING event per `input` string, in input order, then DONE `{}` (its
 *    members, if any, are ignored); or ERROR with the codes above, and then the host discards
 *    any vectors already sent. USAGE `{"input_tokens": N, "output_tokens": 0}` is optional.
 *  - An empty `input`, or an element that is not a string, is refused: `embed_start` returns
 *    PATCHBAY_ERR_INVALID_ARGUMENT (no event), or the call ends with ERROR "INVALID_REQUEST".
 *  - The host never pauses an embedding call (vectors are not streamed to a client):
 *    `chat_pause`/`chat_resume` are never called on its handle.
 *  - A plugin with `embed_start` also lists "embeddings" in its manifest's `capabilities`, and
 *    names its embedding models in `models`. The host requires both: a plugin with only one of
 *    them is loaded, but never asked to embed (the host logs the inconsistency).
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

    /* ---- 1.1: flow control. Both or neither: the host refuses a plugin that sets only one. ---- */

    /**
     * OPTIONAL (1.1): stop emitting events for this call until `chat_resume`, because the host's
     * queue for it is full. The plugin stops reading from its upstream for the call (so the
     * upstream's TCP window fills and it slows down) rather than buffering the reply itself.
     * THREAD: [any-thread], including from inside this call's own `on_event`. Never blocks.
     * Valid from the return of `chat_start` until `chat_release`; the host never calls it after
     * the terminal event has been delivered. Idempotent: pausing a paused call does nothing.
     * Events already being emitted when it is called may still arrive — at most what the plugin
     * had in hand from one upstream read; the host queues them. The DELTA after that waits.
     * While paused: `chat_cancel` still works and still ends the call with its terminal event;
     * a deadline the plugin keeps for the upstream (a read timeout) should not count paused time.
     */
    void (*chat_pause)(patchbay_call *call);

    /**
     * OPTIONAL (1.1): emit events again after `chat_pause`. Idempotent; resuming a call that is
     * not paused does nothing.
     * THREAD: [any-thread], including from inside this call's own `on_event`. Never blocks.
     * Valid from the return of `chat_start` until `chat_release`; the host calls pause and resume
     * for one call one at a time, never concurrently with each other.
     */
    void (*chat_resume)(patchbay_call *call);

    /* ---- 1.3: embeddings ---- */

    /**
     * OPTIONAL (1.3): start an embedding call (see EMBEDDINGS, above `patchbay_chat_request`).
     * Returns at once: it must not wait for the network.
     * THREAD: [any-thread] — many calls (chat and embedding) may start concurrently.
     * OWNERSHIP: as for `chat_start`: `request` and its `json` are borrowed for this call only;
     *   `user_data` stays valid until the terminal event has been delivered; `*out_call` is owned
     *   by the plugin until the host gives it back with `chat_release`.
     * On PATCHBAY_OK: `*out_call` is set, and the call lives exactly as a chat call does: events
     *   (EMBEDDING, USAGE) from any thread, never concurrently, perhaps before this returns;
     *   exactly one terminal event (DONE or ERROR, "CANCELLED" after a cancel), nothing after
     *   it; `chat_cancel` any time (idempotent); `chat_release` exactly once at the end.
     *   Never `chat_pause`/`chat_resume`.
     * Otherwise: no event is emitted, `*out_call` is untouched.
     * The host calls it only when the manifest also lists the "embeddings" capability.
     */
    patchbay_status (*embed_start)(patchbay_instance *instance,
                                   const patchbay_chat_request *request,
                                   patchbay_call **out_call);
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
