/*
 * A plugin as built against ABI 1.3: its descriptor ends at `embed_start`, its abi_minor is 3,
 * and it never sends the 1.4 TIMING event. The tests compile it with the system C compiler and
 * check that a 1.4 host loads it, chats with it, embeds through it, and, with no timing from it,
 * counts the whole wait for its first event as the provider's.
 *
 * Every chat answers at once, from inside chat_start: three deltas "ab ", then DONE. Every
 * embedding call answers one vector, [1, 0] (the tests send one input), then DONE.
 */
#include "patchbay_plugin.h"

#include <stdlib.h>
#include <string.h>

struct patchbay_instance { const patchbay_host_services *host; };
struct patchbay_call { patchbay_instance *instance; };

static void emit_bytes(const patchbay_chat_request *request, patchbay_event_kind kind, const char *data, size_t length) {
    patchbay_event event = { sizeof event, 1, 3, kind, data, length };
    request->on_event(request->user_data, &event);
}
static void emit(const patchbay_chat_request *request, patchbay_event_kind kind, const char *data) {
    emit_bytes(request, kind, data, strlen(data));
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

static patchbay_status new_call(patchbay_instance *instance, patchbay_call **out) {
    patchbay_call *call = malloc(sizeof *call);
    if (!call) return PATCHBAY_ERR_NO_MEMORY;
    call->instance = instance;
    *out = call;
    return PATCHBAY_OK;
}

static patchbay_status start(patchbay_instance *instance, const patchbay_chat_request *request, patchbay_call **out) {
    patchbay_status status = new_call(instance, out);
    if (status != PATCHBAY_OK) return status;
    for (int i = 0; i < 3; i++) emit(request, PATCHBAY_EVENT_DELTA, "ab ");
    emit(request, PATCHBAY_EVENT_DONE, "{\"finish_reason\":\"stop\"}");
    return PATCHBAY_OK;
}

static patchbay_status embed(patchbay_instance *instance, const patchbay_chat_request *request, patchbay_call **out) {
    patchbay_status status = new_call(instance, out);
    if (status != PATCHBAY_OK) return status;
    /* 1.0f and 0.0f as little-endian binary32. */
    static const unsigned char vector[8] = { 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x00 };
    emit_bytes(request, PATCHBAY_EVENT_EMBEDDING, (const char *)vector, sizeof vector);
    emit(request, PATCHBAY_EVENT_DONE, "{}");
    return PATCHBAY_OK;
}

static void cancel(patchbay_call *call) { (void)call; }
static void release(patchbay_call *call) { free(call); }
static void pause_call(patchbay_call *call) { (void)call; }
static void resume_call(patchbay_call *call) { (void)call; }

static const patchbay_plugin_descriptor descriptor = {
    /* 1.3's size: every member up to and including embed_start. */
    .struct_size = offsetof(patchbay_plugin_descriptor, embed_start) + sizeof(void *),
    .abi_major = 1,
    .abi_minor = 3,
    .name = "abi13",
    .version = "1.3.0",
    .manifest_json = "{\"capabilities\":[\"stream\",\"cancel\",\"embeddings\"],\"models\":[\"small\"]}",
    .instance_create = create,
    .instance_destroy = destroy,
    .free_string = free_string,
    .chat_start = start,
    .chat_cancel = cancel,
    .chat_release = release,
    .config_check = NULL,
    .chat_pause = pause_call,
    .chat_resume = resume_call,
    .embed_start = embed,
};

PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v1(uint16_t major, uint16_t minor) {
    (void)minor;
    return major == 1 ? &descriptor : NULL;
}
