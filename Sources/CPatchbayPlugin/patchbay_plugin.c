// The ABI is header-only; this file pins its layout, so an accidental edit that moves a member
// (which would break every plugin already built) fails the build instead of a user's server.
#include "patchbay_plugin.h"

#include <assert.h>

#if defined(__x86_64__) || defined(__aarch64__)
static_assert(offsetof(patchbay_host_services, host_context) == 8, "host_services layout moved");
static_assert(PATCHBAY_HOST_SERVICES_MIN_SIZE == 24, "host_services 1.0 size changed");
static_assert(offsetof(patchbay_event, kind) == 8, "event layout moved");
static_assert(offsetof(patchbay_event, data) == 16, "event layout moved");
static_assert(sizeof(patchbay_event) == 32, "event 1.0 size changed");
static_assert(offsetof(patchbay_chat_request, json) == 8, "chat_request layout moved");
static_assert(offsetof(patchbay_chat_request, on_event) == 24, "chat_request layout moved");
static_assert(sizeof(patchbay_chat_request) == 40, "chat_request 1.0 size changed");
static_assert(offsetof(patchbay_plugin_descriptor, name) == 8, "descriptor layout moved");
static_assert(offsetof(patchbay_plugin_descriptor, instance_create) == 32, "descriptor layout moved");
static_assert(PATCHBAY_DESCRIPTOR_MIN_SIZE == 80, "descriptor 1.0 minimum changed");
static_assert(offsetof(patchbay_plugin_descriptor, config_check) == 80, "descriptor layout moved");
static_assert(offsetof(patchbay_plugin_descriptor, chat_pause) == 88, "descriptor 1.1 layout moved");
static_assert(offsetof(patchbay_plugin_descriptor, chat_resume) == 96, "descriptor 1.1 layout moved");
static_assert(offsetof(patchbay_plugin_descriptor, embed_start) == 104, "descriptor 1.3 layout moved");
static_assert(sizeof(patchbay_plugin_descriptor) == 112, "descriptor 1.3 size changed");
static_assert(PATCHBAY_EVENT_EMBEDDING == 5, "event kinds are numbered for good");
#endif
