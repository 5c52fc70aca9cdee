/*
 * A host as built against ABI 1.0 (the frozen patchbay_plugin_1_0.h): it proves that a newer
 * plugin still loads and chats in a host that knows nothing of 1.1, 1.2 or 1.3.
 *
 *     abi10_host <plugin.so> <settings JSON> <message>
 *
 * It dlopens the plugin, calls the entry with (1, 0), checks the descriptor's header, copies
 * only the members 1.0 has (never reading past the plugin's struct_size or its own struct),
 * creates an instance with a 1.0 services table, runs one chat call with a 1.0 request, waits
 * for its terminal event, releases the call and destroys the instance. It prints
 *     plugin <name> abi 1.<minor> size <struct_size>
 *     text <the deltas, concatenated>
 *     terminal DONE|ERROR <json>
 *     unknown-kinds <n>
 * and exits 0 when the call ended with exactly one terminal event and nothing after it.
 */
#include "patchbay_plugin_1_0.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t ended;
    char text[4096];
    size_t text_length;
    int terminals;
    int after_terminal;
    int unknown_kinds;
    patchbay_event_kind terminal_kind;
    char terminal[1024];
} call_record;

static void on_event(void *user_data, const patchbay_event *event) {
    call_record *record = user_data;
    pthread_mutex_lock(&record->lock);
    if (record->terminals > 0) record->after_terminal++;
    /* 1.0's event is the smallest there is; a reader checks struct_size all the same. */
    if (event->struct_size < sizeof(patchbay_event)) {
        record->unknown_kinds++;
    } else if (event->kind == PATCHBAY_EVENT_DELTA) {
        size_t room = sizeof record->text - 1 - record->text_length;
        size_t n = event->data_len < room ? event->data_len : room;
        memcpy(record->text + record->text_length, event->data, n);
        record->text_length += n;
    } else if (event->kind == PATCHBAY_EVENT_DONE || event->kind == PATCHBAY_EVENT_ERROR) {
        record->terminals++;
        record->terminal_kind = event->kind;
        size_t n = event->data_len < sizeof record->terminal - 1 ? event->data_len : sizeof record->terminal - 1;
        memcpy(record->terminal, event->data, n);
        record->terminal[n] = 0;
        pthread_cond_broadcast(&record->ended);
    } else if (event->kind != PATCHBAY_EVENT_USAGE) {
        record->unknown_kinds++;   /* 1.0's rule: ignore kinds it does not know */
    }
    pthread_mutex_unlock(&record->lock);
}

static void host_log(void *context, patchbay_log_level level, const char *message, size_t length) {
    (void)context; (void)level;
    fprintf(stderr, "log: %.*s\n", (int)length, message);
}

static int fail(const char *what) {
    fprintf(stdout, "error %s\n", what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) return fail("usage: abi10_host <plugin.so> <settings JSON> <message>");
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) return fail(dlerror());
    patchbay_plugin_entry_fn entry = (patchbay_plugin_entry_fn)dlsym(library, PATCHBAY_PLUGIN_ENTRY_SYMBOL);
    if (!entry) return fail("no patchbay_plugin_entry_v1");
    const patchbay_plugin_descriptor *raw = entry(PATCHBAY_ABI_MAJOR, PATCHBAY_ABI_MINOR);
    if (!raw) return fail("the plugin refused a 1.0 host");

    /* The header is the same in every version: read it alone, then no more than both sizes allow. */
    if (raw->abi_major != PATCHBAY_ABI_MAJOR) return fail("wrong major");
    if (raw->struct_size < PATCHBAY_DESCRIPTOR_MIN_SIZE) return fail("descriptor smaller than 1.0's minimum");
    patchbay_plugin_descriptor descriptor;
    memset(&descriptor, 0, sizeof descriptor);
    memcpy(&descriptor, raw, raw->struct_size < sizeof descriptor ? raw->struct_size : sizeof descriptor);
    printf("plugin %s abi 1.%u size %u\n", descriptor.name, (unsigned)descriptor.abi_minor, (unsigned)raw->struct_size);

    patchbay_host_services services = { sizeof services, PATCHBAY_ABI_MAJOR, PATCHBAY_ABI_MINOR, NULL, host_log };
    patchbay_instance *instance = NULL;
    char *error = NULL;
    if (descriptor.instance_create(&services, argv[2], strlen(argv[2]), &instance, &error) != PATCHBAY_OK) {
        printf("error create: %s\n", error ? error : "(no message)");
        if (error) descriptor.free_string(error);
        return 1;
    }

    call_record record;
    memset(&record, 0, sizeof record);
    pthread_mutex_init(&record.lock, NULL);
    pthread_cond_init(&record.ended, NULL);
    char json[2048];
    snprintf(json, sizeof json,
             "{\"request_id\":\"old-host\",\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],\"stream\":true}",
             argv[3]);
    patchbay_chat_request request = { sizeof request, PATCHBAY_ABI_MAJOR, PATCHBAY_ABI_MINOR, json, strlen(json), on_event, &record };
    patchbay_call *call = NULL;
    if (descriptor.chat_start(instance, &request, &call) != PATCHBAY_OK) return fail("chat_start refused");

    pthread_mutex_lock(&record.lock);
    while (record.terminals == 0) pthread_cond_wait(&record.ended, &record.lock);
    pthread_mutex_unlock(&record.lock);
    descriptor.chat_release(call);
    descriptor.instance_destroy(instance);   /* joins the plugin's threads: the record is final */

    record.text[record.text_length] = 0;
    printf("text %s\n", record.text);
    printf("terminal %s %s\n", record.terminal_kind == PATCHBAY_EVENT_DONE ? "DONE" : "ERROR", record.terminal);
    printf("unknown-kinds %d\n", record.unknown_kinds);
    return record.terminals == 1 && record.after_terminal == 0 ? 0 : 1;
}
