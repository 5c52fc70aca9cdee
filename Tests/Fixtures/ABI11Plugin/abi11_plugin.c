/*
 * A plugin as built against ABI 1.1: its descriptor ends at `chat_resume`, its abi_minor is 1,
 * and its manifest does not declare the 1.2 "state" capability. The tests compile it with the
 * system C compiler and check that a 1.2 host loads it, pauses and resumes it, chats with it,
 * never sends it a `state`, and ignores the `state` it (wrongly, for a 1.1 plugin) puts in its
 * DONE event.
 *
 * Every call answers at once, from inside chat_start: three deltas "ab ", then DONE. It logs
 * whether the request JSON held a "state" member, and every pause and resume it is asked for.
 *
 * Built with -DDECLARES_STATE it declares the "state" capability (as a 1.2 plugin would), and
 * with -DSTATE_BYTES=N its DONE carries a state of N bytes: the tests of the host's limit.
 */
#include "patchbay_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct patchbay_instance { const patchbay_host_services *host; };
struct patchbay_call { patchbay_instance *instance; };

static void say(patchbay_instance *instance, const char *message) {
    instance->host->log(instance->host->host_context, PATCHBAY_LOG_INFO, message, strlen(message));
}

static void emit(const patchbay_chat_request *request, patchbay_event_kind kind, const char *data) {
    patchbay_event event = { sizeof event, 1, 1, kind, data, strlen(data) };
    request->on_event(request->user_data, &event);
}

/* Whether `text` (not NUL-terminated) holds `needle`. Not a JSON parser: enough for the tests. */
static int contains(const char *text, size_t length, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= length; i++)
        if (memcmp(text + i, needle, n) == 0) return 1;
    return 0;
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

static patchbay_status start(patchbay_instance *instance, const patchbay_chat_request *request, patchbay_call **out) {
    patchbay_call *call = malloc(sizeof *call);
    if (!call) return PATCHBAY_ERR_NO_MEMORY;
    call->instance = instance;
    *out = call;
    say(instance, contains(request->json, request->json_len, "\"state\"") ? "abi11: request had a state"
                                                                          : "abi11: request had no state");
    for (int i = 0; i < 3; i++) emit(request, PATCHBAY_EVENT_DELTA, "ab ");
#ifdef STATE_BYTES
    static char done[STATE_BYTES + 64];
    int length = snprintf(done, sizeof done, "{\"finish_reason\":\"stop\",\"state\":\"");
    memset(done + length, 's', STATE_BYTES);
    snprintf(done + length + STATE_BYTES, sizeof done - length - STATE_BYTES, "\"}");
    emit(request, PATCHBAY_EVENT_DONE, done);
#else
    emit(request, PATCHBAY_EVENT_DONE, "{\"finish_reason\":\"stop\",\"state\":\"abi11-unasked\"}");
#endif
    return PATCHBAY_OK;
}
static void cancel(patchbay_call *call) { (void)call; }
static void release(patchbay_call *call) { free(call); }
static void pause_call(patchbay_call *call) { say(call->instance, "abi11: paused"); }
static void resume_call(patchbay_call *call) { say(call->instance, "abi11: resumed"); }

static const patchbay_plugin_descriptor descriptor = {
    /* 1.1's size: every member up to and including chat_resume. */
    .struct_size = offsetof(patchbay_plugin_descriptor, chat_resume) + sizeof(void (*)(patchbay_call *)),
    .abi_major = 1,
    .abi_minor = 1,
    .name = "abi11",
    .version = "1.1.0",
#ifdef DECLARES_STATE
    .manifest_json = "{\"capabilities\":[\"stream\",\"cancel\",\"state\"],\"models\":[\"small\"]}",
#else
    .manifest_json = "{\"capabilities\":[\"stream\",\"cancel\"],\"models\":[\"small\"]}",
#endif
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
