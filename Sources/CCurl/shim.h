#include <curl/curl.h>
#include <stdint.h>
#include <sys/socket.h>

/* curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which Swift cannot
 * call: these typed wrappers are how Swift reaches them. */
static inline CURLcode patchbay_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode patchbay_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode patchbay_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode patchbay_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode patchbay_curl_easy_setopt_write_function(CURL *handle,
        size_t (*function)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}
static inline CURLcode patchbay_curl_easy_setopt_header_function(CURL *handle,
        size_t (*function)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, function);
}
static inline CURLcode patchbay_curl_easy_setopt_sockopt_function(CURL *handle,
        int (*function)(void *, curl_socket_t, curlsocktype)) {
    return curl_easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, function);
}
static inline CURLcode patchbay_curl_easy_setopt_xferinfo_function(CURL *handle,
        int (*function)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, function);
}
static inline CURLcode patchbay_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode patchbay_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode patchbay_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

/* Transfer pause, for flow control. The macros are spelled out here so Swift need not import
 * macros built from other macros. */
/** Pauses or resumes receiving on `handle`; call it on the thread that drives the transfer. */
static inline CURLcode patchbay_curl_easy_pause_receiving(CURL *handle, int paused) {
    return curl_easy_pause(handle, paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
}
/** What a write callback returns to pause its transfer, keeping the data it was given. */
static inline size_t patchbay_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }

/* Socket receive buffers, for flow control: Linux grows a connection's receive buffer up to
 * tcp_rmem's maximum (6 MiB by default), all of which an upstream may fill while its transfer is
 * paused. A fixed size keeps what a paused transfer holds in the kernel small. */
static int patchbay_curl_set_receive_buffer(void *bytes, curl_socket_t socket, curlsocktype purpose) {
    if (purpose == CURLSOCKTYPE_IPCXN) {
        int size = (int)(intptr_t)bytes;
        (void)setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    return CURL_SOCKOPT_OK;
}
/** Sets the receive buffer of every connection `handle` opens to `bytes`. */
static inline CURLcode patchbay_curl_easy_cap_receive_buffer(CURL *handle, long bytes) {
    curl_easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, patchbay_curl_set_receive_buffer);
    return curl_easy_setopt(handle, CURLOPT_SOCKOPTDATA, (void *)(intptr_t)bytes);
}
