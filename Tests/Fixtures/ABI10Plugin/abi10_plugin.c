/*
 * A plugin as built against ABI 1.0: its descriptor ends at `config_check`, so it has no
 * chat_pause / chat_resume as far as the host may know. The tests compile it with the system C
 * compiler and check that a 1.1 host loads it, chats with it, and — since it cannot be paused —
 * stops its call once a reader falls more than the stream buffer behind.
 *
 * It answers model "small" with three deltas; any other model with 1000 deltas of 100 bytes,
 * sent from a thread of its own as fast as it can, until cancelled.
 */
#include "patchbay_plugin.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct patchbay_instance { const patchbay_host_services *host; };

struct patchbay_call {
    patchbay_instance *instance;
    patchbay_event_fn on_event;
    void *user_data;
    int deltas;
    atomic_int cancelled;
    pthread_t thread;
};

static void say(patchbay_instance *instance, const char *message) {
    instance->host->log(instance->host->host_context, PATCHBAY_LOG_INFO, message, strlen(message));
}

static void emit(patchbay_call *call, patchbay_event_kind kind, const char *data) {
    patchbay_event event = { sizeof event, 1, 0, kind, data, strlen(data) };
    call->on_event(call->user_data, &event);
}

static void *run(void *argument) {
    patchbay_call *call = argument;
    char delta[101];
    memset(delta, 'x', 100);
    delta[100] = 0;
    int sent = 0;
    while (sent < call->deltas && !atomic_load(&call->cancelled)) {
        emit(call, PATCHBAY_EVENT_DELTA, call->deltas == 3 ? "ab " : delta);
        sent++;
    }
    char line[96];
    int cancelled = atomic_load(&call->cancelled);
    snprintf(line, sizeof line, "abi10: call ended %s after %d deltas", cancelled ? "cancelled" : "done", sent);
    say(call->instance, line);
    if (cancelled) emit(call, PATCHBAY_EVENT_ERROR, "{\"code\":\"CANCELLED\",\"message\":\"cancelled\"}");
    else emit(call, PATCHBAY_EVENT_DONE, "{\"finish_reason\":\"stop\"}");
    return NULL;
}

static patchbay_status create(const patchbay_host_services *host, const char *json, size_t length,
                              patchbay_instance **out, char **error) {
    (void)json; (void)length; (void)error;
    patchbay_instance *instance = malloc(sizeof *instance);
    if (!instance) return PATCHBAY_ERR_NO_MEMORY;
    instance->host = host;
    *out = instance;
    return PATCHBAY_OK;
}
static void destroy(patchbay_instance *instance) { free(instance); }
static void free_string(char *string) { free(string); }

/* Whether `text` (not NUL-terminated) holds `needle`. Not a JSON parser: enough for the tests. */
static int contains(const char *text, size_t length, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= length; i++)
        if (memcmp(text + i, needle, n) == 0) return 1;
    return 0;
}

static patchbay_status start(patchbay_instance *instance, const patchbay_chat_request *request, patchbay_call **out) {
    patchbay_call *call = calloc(1, sizeof *call);
    if (!call) return PATCHBAY_ERR_NO_MEMORY;
    call->instance = instance;
    call->on_event = request->on_event;
    call->user_data = request->user_data;
    call->deltas = contains(request->json, request->json_len, "\"model\":\"small\"") ? 3 : 1000;
    atomic_init(&call->cancelled, 0);
    *out = call;
    if (pthread_create(&call->thread, NULL, run, call) != 0) {
        free(call);
        return PATCHBAY_ERR_UNAVAILABLE;
    }
    return PATCHBAY_OK;
}
static void cancel(patchbay_call *call) { atomic_store(&call->cancelled, 1); }
static void release(patchbay_call *call) {
    pthread_join(call->thread, NULL);   /* the thread is past its terminal event by now */
    free(call);
}

/* Set, but past the 1.0 struct_size: a host that honours struct_size never calls them. */
static void pause_call(patchbay_call *call) { say(call->instance, "abi10: pause called past struct_size"); }
static void resume_call(patchbay_call *call) { say(call->instance, "abi10: resume called past struct_size"); }

static const patchbay_plugin_descriptor descriptor = {
    .struct_size = offsetof(patchbay_plugin_descriptor, chat_pause),    /* 1.0's size: 88 */
    .abi_major = 1,
    .abi_minor = 0,
    .name = "abi10",
    .version = "1.0.0",
    .manifest_json = "{\"capabilities\":[\"stream\",\"cancel\"],\"models\":[\"small\",\"large\"]}",
    .instance_create = create,
    .instance_destroy = destroy,
    .free_string = free_string,
    .chat_start = start,
    .chat_cancel = cancel,
    .chat_release = release,
    .config_check = NULL,
    .chat_pause = pause_call,
    .chat_resume = resume_call,
};

PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v1(uint16_t major, uint16_t minor) {
    (void)minor;
    return major == 1 ? &descriptor : NULL;
}
