/*
 * Plugins that a host must refuse, one per -DBROKEN_<CASE> flag. The tests compile this file
 * with the system C compiler against the real ABI header, exactly as a plugin author would.
 */
#include "patchbay_plugin.h"

#include <stdlib.h>

static patchbay_status create(const patchbay_host_services *h, const char *j, size_t n, patchbay_instance **o, char **e) {
    (void)h; (void)j; (void)n; (void)e;
    *o = (patchbay_instance *)malloc(1);
    return PATCHBAY_OK;
}
static void destroy(patchbay_instance *i) { free(i); }
static void free_string(char *s) { free(s); }
static patchbay_status start(patchbay_instance *i, const patchbay_chat_request *r, patchbay_call **o) {
    (void)i; (void)r; (void)o;
    return PATCHBAY_ERR_UNAVAILABLE;
}
static void cancel(patchbay_call *c) { (void)c; }
static void release(patchbay_call *c) { (void)c; }
#if defined(BROKEN_HALF_PAUSE)
static void pause_call(patchbay_call *c) { (void)c; }
#endif

static patchbay_plugin_descriptor descriptor = {
    .struct_size = sizeof(patchbay_plugin_descriptor),
    .abi_major = PATCHBAY_ABI_MAJOR,
    .abi_minor = PATCHBAY_ABI_MINOR,
    .name = "broken",
    .version = "0.0.1",
    .manifest_json = "{\"capabilities\":[],\"models\":[]}",
    .instance_create = create,
    .instance_destroy = destroy,
    .free_string = free_string,
    .chat_start = start,
    .chat_cancel = cancel,
    .chat_release = release,
};

#if defined(BROKEN_NO_ENTRY)
/* A shared library, but not a plugin: it exports something else. */
PATCHBAY_EXPORT int not_a_plugin(void) { return descriptor.struct_size > 0 ? 42 : 0; }

#elif defined(BROKEN_ENTRY_V2)
/* Built for a future ABI major: only the v2 entry point exists. */
PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v2(uint16_t major, uint16_t minor) {
    (void)major; (void)minor;
    return &descriptor;
}

#else
PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v1(uint16_t major, uint16_t minor) {
    (void)major; (void)minor;
#if defined(BROKEN_WRONG_MAJOR)
    descriptor.abi_major = 2;
#elif defined(BROKEN_TRUNCATED)
    descriptor.struct_size = 40;
#elif defined(BROKEN_REFUSES_HOST)
    return NULL;
#elif defined(BROKEN_BAD_NAME)
    descriptor.name = "Bad Name!";
#elif defined(BROKEN_NULL_FUNCTION)
    descriptor.chat_start = NULL;
#elif defined(BROKEN_BAD_MANIFEST)
    descriptor.manifest_json = "{\"models\": 3}";
#elif defined(BROKEN_HALF_PAUSE)
    /* chat_pause without chat_resume: a paused call could never go on. */
    descriptor.chat_pause = pause_call;
#elif defined(BROKEN_NEWER_MINOR)
    /* A plugin from a newer 1.x: larger descriptor, higher minor. A 1.0 host must accept it. */
    descriptor.abi_minor = 7;
#endif
    return &descriptor;
}
#endif
