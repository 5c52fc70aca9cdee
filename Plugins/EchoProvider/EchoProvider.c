/*
 * EchoProvider — the reference Patchbay plugin, in plain C, needing nothing but the ABI header.
 *
 * It streams the last user message back word by word ("Hello", " world"), reports usage
 * (words in, words out), and honours cancel. Settings (providers.yaml):
 *     echo: {plugin: echo, delay_ms: 20}     # optional pause before each word, 0..60000
 *
 * How it meets the ABI's rules:
 *  - delay_ms == 0: chat_start emits every event, terminal included, before it returns (the ABI
 *    allows events before chat_start returns).
 *  - delay_ms > 0: one worker thread per instance runs every call's timer; no thread per call.
 *    Only that worker emits events for a delayed call, so events of one call never overlap.
 *  - chat_cancel only sets a flag and wakes the worker: it never blocks and never calls back, so
 *    it is safe from any thread, including from inside on_event.
 *  - chat_pause / chat_resume (ABI 1.1) likewise only set or clear a flag: the worker skips a
 *    paused call until it is resumed, and still ends it at once if it is cancelled meanwhile.
 *    A call answered inside chat_start (delay_ms == 0) is over before the host could pause it.
 *  - embed_start (ABI 1.3) embeds every input at once (EchoEmbedding.c), then emits the vectors
 *    like one "word": from inside embed_start when delay_ms == 0, else from the worker after one
 *    delay, so a cancel in between ends it with CANCELLED. It is a call like any other.
 */
#include "patchbay_plugin.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "EchoEmbedding.h"
#include "EchoJSON.h"

typedef struct echo_instance echo_instance;

struct patchbay_call {
    echo_instance *instance;
    patchbay_event_fn on_event;
    void *user_data;
    char *text;             /* the text to echo, owned */
    size_t length;
    size_t position;        /* bytes already echoed */
    long input_tokens;
    long output_tokens;
    int cancelled;          /* guarded by instance->lock */
    int paused;             /* guarded by instance->lock: the worker skips the call while set */
    float *vectors;         /* an embedding call's vectors, owned; NULL for a chat call */
    size_t vector_count;
    struct timespec due;    /* when the next word is due (delayed calls) */
    patchbay_call *next;    /* the instance's list of active delayed calls */
};

struct patchbay_instance {
    int unused;             /* the ABI's opaque type; echo_instance is the real one */
};

struct echo_instance {
    const patchbay_host_services *host;
    long delay_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t worker;
    int worker_running;
    int stopping;
    patchbay_call *active;  /* delayed calls still in flight, guarded by lock */
};

/* ---- events ---------------------------------------------------------------------------------- */

static void emit(patchbay_call *call, patchbay_event_kind kind, const char *data, size_t length) {
    patchbay_event event = {
        .struct_size = sizeof(patchbay_event),
        .abi_major = PATCHBAY_ABI_MAJOR,
        .abi_minor = PATCHBAY_ABI_MINOR,
        .kind = kind,
        .data = data,
        .data_len = length,
    };
    call->on_event(call->user_data, &event);
}

static void emit_usage(patchbay_call *call) {
    char json[96];
    int n = snprintf(json, sizeof json, "{\"input_tokens\":%ld,\"output_tokens\":%ld}",
                     call->input_tokens, call->output_tokens);
    emit(call, PATCHBAY_EVENT_USAGE, json, (size_t)n);
}

static void emit_done(patchbay_call *call) {
    static const char json[] = "{\"finish_reason\":\"stop\"}";
    emit(call, PATCHBAY_EVENT_DONE, json, sizeof json - 1);
}

static void emit_cancelled(patchbay_call *call) {
    static const char json[] = "{\"code\":\"CANCELLED\",\"message\":\"the call was cancelled\",\"retryable\":false}";
    emit(call, PATCHBAY_EVENT_ERROR, json, sizeof json - 1);
}

/* An embedding call's vectors, one EMBEDDING event each: raw float32, little-endian. */
static void emit_vectors(patchbay_call *call) {
    for (size_t i = 0; i < call->vector_count; i++) {
        float *vector = call->vectors + i * ECHO_EMBED_DIMENSIONS;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        for (int d = 0; d < ECHO_EMBED_DIMENSIONS; d++) {   /* the ABI says little-endian */
            uint32_t bits;
            memcpy(&bits, vector + d, 4);
            bits = __builtin_bswap32(bits);
            memcpy(vector + d, &bits, 4);
        }
#endif
        emit(call, PATCHBAY_EVENT_EMBEDDING, (const char *)vector, ECHO_EMBED_DIMENSIONS * sizeof(float));
    }
    call->vector_count = 0;
}

static void emit_done_embedding(patchbay_call *call) {
    emit(call, PATCHBAY_EVENT_DONE, "{}", 2);
}

/* The next word, with the white space before it, so that the deltas add up to the text exactly. */
static size_t next_word_length(const patchbay_call *call) {
    size_t i = call->position;
    while (i < call->length && echo_is_space(call->text[i])) i++;
    while (i < call->length && !echo_is_space(call->text[i])) i++;
    return i - call->position;
}

/* Emits the next word; returns 0 when nothing is left. */
static int emit_next_word(patchbay_call *call) {
    size_t n = next_word_length(call);
    if (n == 0) return 0;
    const char *word = call->text + call->position;
    call->position += n;
    call->output_tokens++;
    emit(call, PATCHBAY_EVENT_DELTA, word, n);
    return 1;
}

static void log_line(echo_instance *instance, patchbay_log_level level, const char *message) {
    if (instance->host && instance->host->log)
        instance->host->log(instance->host->host_context, level, message, strlen(message));
}

/* ---- the worker thread for delayed calls ----------------------------------------------------- */

static void add_ms(struct timespec *t, long ms) {
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) { t->tv_sec++; t->tv_nsec -= 1000000000L; }
}

static int before(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void unlink_call(echo_instance *instance, patchbay_call *call) {
    for (patchbay_call **p = &instance->active; *p; p = &(*p)->next) {
        if (*p == call) { *p = call->next; call->next = NULL; return; }
    }
}

static void *worker_main(void *argument) {
    echo_instance *instance = argument;
    pthread_mutex_lock(&instance->lock);
    for (;;) {
        if (instance->stopping && instance->active == NULL) break;
        /* A cancelled call ends first; otherwise the call whose word is due soonest. */
        patchbay_call *next = NULL;
        for (patchbay_call *c = instance->active; c; c = c->next) {
            if (c->cancelled || instance->stopping) { next = c; break; }
            if (c->paused) continue;
            if (!next || before(&c->due, &next->due)) next = c;
        }
        if (!next) {
            pthread_cond_wait(&instance->wake, &instance->lock);
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!next->cancelled && !instance->stopping && before(&now, &next->due)) {
            pthread_cond_timedwait(&instance->wake, &instance->lock, &next->due);
            continue;
        }
        if (next->cancelled || instance->stopping) {
            unlink_call(instance, next);
            pthread_mutex_unlock(&instance->lock);
            char line[96];
            snprintf(line, sizeof line, "echo: call cancelled after %ld words", next->output_tokens);
            log_line(instance, PATCHBAY_LOG_INFO, line);
            emit_cancelled(next);           /* terminal: `next` is not touched again */
            pthread_mutex_lock(&instance->lock);
            continue;
        }
        /* Emit without the lock: on_event may call chat_cancel, which takes it. */
        pthread_mutex_unlock(&instance->lock);
        int more = 0;
        if (next->vectors) emit_vectors(next);
        else more = emit_next_word(next) && next_word_length(next) > 0;
        pthread_mutex_lock(&instance->lock);
        if (more) {
            clock_gettime(CLOCK_MONOTONIC, &next->due);
            add_ms(&next->due, instance->delay_ms);
            continue;
        }
        if (next->cancelled) continue;      /* cancelled while its last word went out */
        unlink_call(instance, next);
        pthread_mutex_unlock(&instance->lock);
        emit_usage(next);
        if (next->vectors) emit_done_embedding(next);
        else emit_done(next);               /* terminal: `next` is not touched again */
        pthread_mutex_lock(&instance->lock);
    }
    pthread_mutex_unlock(&instance->lock);
    return NULL;
}

/* ---- settings -------------------------------------------------------------------------------- */

/* Reads delay_ms; refuses a value of the wrong type or out of range. Other keys are ignored:
 * the host adds "provider_name", and a reference plugin should not be stricter than needed. */
static patchbay_status read_settings(const char *json, size_t length, long *delay_ms, char **out_error) {
    echo_json_value root;
    if (!echo_json_parse(json, length, &root) || root.type != ECHO_JSON_OBJECT) {
        if (out_error) *out_error = strdup("echo: settings are not a JSON object");
        return PATCHBAY_ERR_CONFIG;
    }
    *delay_ms = 0;
    echo_json_value value;
    if (echo_json_member(&root, "delay_ms", &value)) {
        double number;
        if (value.type != ECHO_JSON_NUMBER || !echo_json_number(&value, &number)
            || number < 0 || number > 60000 || number != (double)(long)number) {
            if (out_error) *out_error = strdup("echo: delay_ms must be a whole number of milliseconds from 0 to 60000");
            return PATCHBAY_ERR_CONFIG;
        }
        *delay_ms = (long)number;
    }
    return PATCHBAY_OK;
}

/* ---- the ABI ----------------------------------------------------------------------------------- */

static patchbay_status echo_config_check(const char *config_json, size_t config_len, char **out_error) {
    long delay_ms;
    return read_settings(config_json, config_len, &delay_ms, out_error);
}

static patchbay_status echo_create(const patchbay_host_services *host, const char *config_json,
                                   size_t config_len, patchbay_instance **out_instance, char **out_error) {
    if (!out_instance || !config_json) return PATCHBAY_ERR_INVALID_ARGUMENT;
    long delay_ms;
    patchbay_status status = read_settings(config_json, config_len, &delay_ms, out_error);
    if (status != PATCHBAY_OK) return status;

    echo_instance *instance = calloc(1, sizeof *instance);
    if (!instance) return PATCHBAY_ERR_NO_MEMORY;
    instance->host = host;
    instance->delay_ms = delay_ms;
    pthread_mutex_init(&instance->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);   /* timers immune to clock changes */
    pthread_cond_init(&instance->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (delay_ms > 0) {
        if (pthread_create(&instance->worker, NULL, worker_main, instance) != 0) {
            if (out_error) *out_error = strdup("echo: could not start the worker thread");
            pthread_cond_destroy(&instance->wake);
            pthread_mutex_destroy(&instance->lock);
            free(instance);
            return PATCHBAY_ERR_UNAVAILABLE;
        }
        instance->worker_running = 1;
    }
    log_line(instance, PATCHBAY_LOG_DEBUG, delay_ms > 0 ? "echo: instance created (delayed words)"
                                                        : "echo: instance created");
    *out_instance = (patchbay_instance *)instance;
    return PATCHBAY_OK;
}

static void echo_destroy(patchbay_instance *opaque) {
    echo_instance *instance = (echo_instance *)opaque;
    if (!instance) return;
    pthread_mutex_lock(&instance->lock);
    instance->stopping = 1;
    pthread_cond_broadcast(&instance->wake);
    pthread_mutex_unlock(&instance->lock);
    if (instance->worker_running) pthread_join(instance->worker, NULL);
    pthread_cond_destroy(&instance->wake);
    pthread_mutex_destroy(&instance->lock);
    free(instance);
}

static void echo_free_string(char *string) { free(string); }


static patchbay_status run_call(echo_instance *instance, patchbay_call *call);

static patchbay_status echo_start(patchbay_instance *opaque, const patchbay_chat_request *request,
                                  patchbay_call **out_call) {
    echo_instance *instance = (echo_instance *)opaque;
    if (!instance || !request || !out_call || request->struct_size < sizeof(patchbay_chat_request)
        || !request->on_event || !request->json)
        return PATCHBAY_ERR_INVALID_ARGUMENT;

    echo_json_value root, messages;
    if (!echo_json_parse(request->json, request->json_len, &root) || root.type != ECHO_JSON_OBJECT
        || !echo_json_member(&root, "messages", &messages) || messages.type != ECHO_JSON_ARRAY)
        return PATCHBAY_ERR_INVALID_ARGUMENT;

    patchbay_call *call = calloc(1, sizeof *call);
    if (!call) return PATCHBAY_ERR_NO_MEMORY;
    call->instance = instance;
    call->on_event = request->on_event;
    call->user_data = request->user_data;

    /* Walk the messages: count input words, keep the last user message's text. */
    echo_json_value message;
    echo_json_iterator iterator = echo_json_elements(&messages);
    while (echo_json_next(&iterator, &message)) {
        echo_json_value role, content;
        if (message.type != ECHO_JSON_OBJECT || !echo_json_member(&message, "content", &content)
            || content.type != ECHO_JSON_STRING)
            continue;
        char *text = NULL;
        size_t text_length = 0;
        if (!echo_json_string(&content, &text, &text_length)) continue;
        call->input_tokens += echo_count_words(text, text_length);  /* words stand in for input tokens */
        if (echo_json_member(&message, "role", &role) && echo_json_string_equals(&role, "user")) {
            free(call->text);
            call->text = text;
            call->length = text_length;
        } else {
            free(text);
        }
    }
    *out_call = call;
    return run_call(instance, call);
}

/* Answers a started call at once (delay_ms == 0), or hands it to the worker. */
static patchbay_status run_call(echo_instance *instance, patchbay_call *call) {
    if (instance->delay_ms == 0) {
        if (call->vectors) {
            emit_vectors(call);
            emit_usage(call);
            emit_done_embedding(call);
            return PATCHBAY_OK;
        }
        while (emit_next_word(call)) {}
        emit_usage(call);
        emit_done(call);
        return PATCHBAY_OK;
    }

    pthread_mutex_lock(&instance->lock);
    clock_gettime(CLOCK_MONOTONIC, &call->due);
    add_ms(&call->due, instance->delay_ms);
    if (!call->vectors && next_word_length(call) == 0) call->due.tv_sec = 0;   /* nothing to echo: end at once */
    call->next = instance->active;
    instance->active = call;
    pthread_cond_signal(&instance->wake);
    pthread_mutex_unlock(&instance->lock);
    return PATCHBAY_OK;
}

/* ABI 1.3: embeds `input`; refuses a request without a non-empty array of strings. */
static patchbay_status echo_embed_start(patchbay_instance *opaque, const patchbay_chat_request *request,
                                        patchbay_call **out_call) {
    echo_instance *instance = (echo_instance *)opaque;
    if (!instance || !request || !out_call || request->struct_size < sizeof(patchbay_chat_request)
        || !request->on_event || !request->json)
        return PATCHBAY_ERR_INVALID_ARGUMENT;
    patchbay_call *call = calloc(1, sizeof *call);
    if (!call) return PATCHBAY_ERR_NO_MEMORY;
    const char *reason = NULL;
    patchbay_status status = echo_embed_request(request->json, request->json_len, &call->vectors,
                                                &call->vector_count, &call->input_tokens, &reason);
    if (status != PATCHBAY_OK) {
        if (reason) log_line(instance, PATCHBAY_LOG_WARNING, reason);
        free(call);
        return status;
    }
    call->instance = instance;
    call->on_event = request->on_event;
    call->user_data = request->user_data;
    *out_call = call;
    return run_call(instance, call);
}

static void echo_cancel(patchbay_call *call) {
    if (!call) return;
    echo_instance *instance = call->instance;
    pthread_mutex_lock(&instance->lock);
    call->cancelled = 1;    /* the worker ends the call, if it is still in flight */
    pthread_cond_signal(&instance->wake);
    pthread_mutex_unlock(&instance->lock);
}

/* Sets or clears the paused flag; a resumed call's next word is due at once if it is overdue. */
static void set_paused(patchbay_call *call, int paused) {
    if (!call) return;
    echo_instance *instance = call->instance;
    pthread_mutex_lock(&instance->lock);
    int changed = call->paused != paused;
    call->paused = paused;
    pthread_cond_signal(&instance->wake);
    pthread_mutex_unlock(&instance->lock);
    /* Logged so that tests (and curious operators) can see the flow control at work. */
    if (changed) log_line(instance, PATCHBAY_LOG_DEBUG, paused ? "echo: call paused" : "echo: call resumed");
}

static void echo_pause(patchbay_call *call) { set_paused(call, 1); }
static void echo_resume(patchbay_call *call) { set_paused(call, 0); }

static void echo_release(patchbay_call *call) {
    if (!call) return;
    free(call->text);
    free(call->vectors);
    free(call);
}

/* Overridable so the live-reload tests can build a "new version" of the same plugin. */
#ifndef ECHO_PLUGIN_VERSION
#define ECHO_PLUGIN_VERSION "1.0.0"
#endif

static const patchbay_plugin_descriptor echo_descriptor = {
    .struct_size = sizeof(patchbay_plugin_descriptor),
    .abi_major = PATCHBAY_ABI_MAJOR,
    .abi_minor = PATCHBAY_ABI_MINOR,
    .name = "echo",
    .version = ECHO_PLUGIN_VERSION,
    .manifest_json = "{\"capabilities\":[\"stream\",\"usage\",\"cancel\",\"embeddings\"],"
                     "\"models\":[\"echo-1\",\"" ECHO_EMBED_MODEL "\"],"
                     "\"description\":\"Echoes the last user message back, word by word, and embeds text "
                     "with hashed words and trigrams. Needs no key.\"}",
    .instance_create = echo_create,
    .instance_destroy = echo_destroy,
    .free_string = echo_free_string,
    .chat_start = echo_start,
    .chat_cancel = echo_cancel,
    .chat_release = echo_release,
    .config_check = echo_config_check,
    .chat_pause = echo_pause,
    .chat_resume = echo_resume,
    .embed_start = echo_embed_start,
};

PATCHBAY_EXPORT const patchbay_plugin_descriptor *patchbay_plugin_entry_v1(uint16_t host_abi_major,
                                                                          uint16_t host_abi_minor) {
    /* An older host reads only the members its minor has (1.0: up to config_check; 1.1 and 1.2:
     * up to chat_resume), so it never pauses (1.0) or embeds (before 1.3): one descriptor serves all. */
    (void)host_abi_minor;
    return host_abi_major == PATCHBAY_ABI_MAJOR ? &echo_descriptor : NULL;
}
