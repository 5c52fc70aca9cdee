/*
 * A plugin as built against ABI 1.2: its descriptor ends at `chat_resume` (there is no
 * `embed_start` as far as the host may know), its abi_minor is 2, and it declares the 1.2
 * "state" capability and sends a state in its DONE. The tests compile it with the system C
 * compiler and check that a 1.3 host loads it, chats with it, keeps its state, and never asks
 * it to embed.
 *
 * Every call answers at once, from inside chat_start: three deltas "ab ", then DONE with state
 * "abi12-state". Built with -DCLAIMS_EMBEDDINGS its manifest (wrongly) lists "embeddings" too:
 * the host must still not embed through it, having no embed_start to call.
 */
#include "patchbay_plugin.h"

#include <stdlib.h>
#include <string.h>

struct patchbay_instance { const patchbay_host_services *host; };
struct patchbay_call { patchbay_instance *instance; };

static void emit(const patchbay_chat_request *request, patchbay_event_kind kind, const char *data) {
    patchbay_event event = { sizeof event, 1, 2, kind, data, strlen(data) };
    request->on_event(request->user_data, &event);
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
    for (int i = 0; i < 3; i++) emit(request, PATCHBAY_EVENT_DELTA, "ab ");
    emit(request, PATCHBAY_EVENT_DONE, "{\"finish_reason\":\"stop\",\"state\":\"abi12-state\"}");
    return PATCHBAY_OK;
}
static void cancel(patchbay_call *call) { (void)call; }
static void release(patchbay_call *call) { free(call); }
static void pause_call(patchbay_call *call) { (void)call; }
static void resume_call(patchbay_call *call) { (void)call; }

static const patchbay_plugin_descriptor descriptor = {
    /* 1.2's size (the same as 1.1's): every member up to and including chat_resume. */
    .struct_size = offsetof(patchbay_plugin_descriptor, chat_resume) + sizeof(void (*)(patchbay_call *)),
    .abi_major = 1,
    .abi_minor = 2,
    .name = "abi12",
    .version = "1.2.0",
#ifdef CLAIMS_EMBEDDINGS
    .manifest_json = "{\"capabilities\":[\"stream\",\"cancel\",\"state\",\"embeddings\"],\"models\":[\"small\"]}",
#else
    .manifest_json = "{\"capabilities\":[\"stream\",\"cancel\",\"state\"],\"models\":[\"small\"]}",
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
    /* embed_start (1.3) would follow; outside struct_size, the host reads it as NULL. A 1.2
     * plugin built against the 1.3 header leaves it zero here anyway. */
};

PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v1(uint16_t major, uint16_t minor) {
    (void)minor;
    return major == 1 ? &descriptor : NULL;
}
