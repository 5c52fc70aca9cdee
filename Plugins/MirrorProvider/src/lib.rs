//! `mirror`: a provider plugin written in Rust against `patchbay_plugin.h` alone (bindings by
//! hand in `abi.rs`, no crates). It answers with the last user message, word by word, like the C
//! `echo` plugin, and keeps every promise of ABI 1.1: one terminal event per call, cancel from any
//! thread (from inside `on_event` too), pause/resume, settings checked without an instance.
//!
//! Settings (providers.yaml): `delay_ms` (0..=60000, default 0), a wait before each word.

// The library is named like the Swift plugins (libMirrorProvider.so), not in Rust's snake case.
#![allow(non_snake_case)]

mod abi;
mod json;

use abi::*;
use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

static DESCRIPTOR: Descriptor = Descriptor {
    struct_size: std::mem::size_of::<Descriptor>() as u32,
    abi_major: ABI_MAJOR,
    abi_minor: ABI_MINOR,
    name: b"mirror\0".as_ptr() as *const c_char,
    version: b"1.0.0\0".as_ptr() as *const c_char,
    manifest_json: b"{\"capabilities\":[\"stream\",\"usage\",\"cancel\",\"pause\"],\"models\":[\"mirror-1\"],\"description\":\"Answers with the last user message, word by word (a plugin written in Rust).\"}\0".as_ptr() as *const c_char,
    instance_create,
    instance_destroy,
    free_string,
    chat_start,
    chat_cancel,
    chat_release,
    config_check: Some(config_check),
    chat_pause: Some(chat_pause),
    chat_resume: Some(chat_resume),
};

/// The one exported symbol. A 1.0 host gets the same descriptor and reads only 1.0's members.
#[no_mangle]
pub extern "C" fn patchbay_plugin_entry_v1(host_abi_major: u16, _host_abi_minor: u16) -> *const Descriptor {
    if host_abi_major != ABI_MAJOR {
        return std::ptr::null();
    }
    &DESCRIPTOR
}

// ---- settings -------------------------------------------------------------------------------

#[derive(Debug)]
struct Settings {
    delay: Duration,
}

impl Settings {
    /// The provider's block of providers.yaml as JSON; unknown keys are refused.
    fn read(config: &[u8]) -> Result<Settings, String> {
        let value = json::parse(config).map_err(|e| format!("mirror: the settings are not JSON: {}", e))?;
        let members = match &value {
            json::Value::Object(members) => members,
            _ => return Err("mirror: the settings are not a JSON object".to_string()),
        };
        let mut delay = Duration::from_millis(0);
        for (key, member) in members {
            match (key.as_str(), member) {
                ("provider_name", _) => {}
                ("delay_ms", json::Value::Number(ms)) if *ms >= 0.0 && *ms <= 60000.0 && ms.fract() == 0.0 => {
                    delay = Duration::from_millis(*ms as u64)
                }
                ("delay_ms", _) => return Err("mirror: delay_ms must be a whole number of milliseconds from 0 to 60000".to_string()),
                (other, _) => return Err(format!("mirror: unknown setting '{}' (known: delay_ms)", other)),
            }
        }
        Ok(Settings { delay })
    }
}

/// Hands an operator's message to the host, which frees it with `free_string`.
unsafe fn give_error(out_error: *mut *mut c_char, message: String) {
    if out_error.is_null() {
        return;
    }
    if let Ok(text) = CString::new(message) {
        *out_error = text.into_raw();
    }
}

unsafe fn borrowed<'a>(pointer: *const c_char, length: usize) -> &'a [u8] {
    if pointer.is_null() || length == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(pointer as *const u8, length)
    }
}

unsafe extern "C" fn config_check(config: *const c_char, length: usize, out_error: *mut *mut c_char) -> Status {
    match Settings::read(borrowed(config, length)) {
        Ok(_) => OK,
        Err(message) => {
            give_error(out_error, message);
            ERR_CONFIG
        }
    }
}

unsafe extern "C" fn free_string(string: *mut c_char) {
    if !string.is_null() {
        drop(CString::from_raw(string));
    }
}

// ---- instances ------------------------------------------------------------------------------

/// The host's log function, usable from any thread until `instance_destroy` returns.
#[derive(Clone, Copy)]
struct HostLog {
    services: *const HostServices,
}

// The header: the table is the host's, valid until instance_destroy, and `log` is [any-thread].
unsafe impl Send for HostLog {}

impl HostLog {
    fn write(&self, level: LogLevel, message: &str) {
        unsafe {
            if let Some(log) = (*self.services).log {
                log((*self.services).host_context, level, message.as_ptr() as *const c_char, message.len());
            }
        }
    }
}

struct MirrorInstance {
    settings: Settings,
    log: HostLog,
    /// Every call's thread; `instance_destroy` joins them, so no thread outlives the instance.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

unsafe extern "C" fn instance_create(
    host: *const HostServices, config: *const c_char, length: usize, out_instance: *mut *mut Instance, out_error: *mut *mut c_char,
) -> Status {
    if host.is_null() || out_instance.is_null() {
        return ERR_INVALID_ARGUMENT;
    }
    let settings = match Settings::read(borrowed(config, length)) {
        Ok(settings) => settings,
        Err(message) => {
            give_error(out_error, message);
            return ERR_CONFIG;
        }
    };
    let log = HostLog { services: host };
    log.write(LOG_INFO, &format!("mirror: instance created (delay {} ms)", settings.delay.as_millis()));
    let instance = Box::new(MirrorInstance { settings, log, threads: Mutex::new(Vec::new()) });
    *out_instance = Box::into_raw(instance) as *mut Instance;
    OK
}

unsafe extern "C" fn instance_destroy(instance: *mut Instance) {
    if instance.is_null() {
        return;
    }
    let instance = Box::from_raw(instance as *mut MirrorInstance);
    let threads = std::mem::take(&mut *instance.threads.lock().unwrap());
    for thread in threads {
        let _ = thread.join();
    }
}

// ---- calls ----------------------------------------------------------------------------------

/// The host's callback and its context. [callback]: any thread, never concurrently for one call.
struct EventSink {
    on_event: EventFn,
    user_data: *mut c_void,
}

// The header lets the plugin call `on_event` from any thread it chooses.
unsafe impl Send for EventSink {}
unsafe impl Sync for EventSink {}

impl EventSink {
    fn emit(&self, kind: EventKind, data: &str) {
        let event = Event {
            struct_size: std::mem::size_of::<Event>() as u32,
            abi_major: ABI_MAJOR,
            abi_minor: ABI_MINOR,
            kind,
            data: data.as_ptr() as *const c_char,
            data_len: data.len(),
        };
        unsafe { (self.on_event)(self.user_data, &event) }
    }
}

#[derive(Default)]
struct Flags {
    cancelled: bool,
    paused: bool,
}

/// What a call's handle and its thread share. The lock is never held while `on_event` runs, so
/// the host may cancel, pause or resume from inside it.
struct CallState {
    flags: Mutex<Flags>,
    changed: Condvar,
    log: HostLog,
}

// The log table is the host's and [any-thread]; the rest is behind the mutex.
unsafe impl Sync for CallState {}

impl CallState {
    /// Waits until `deadline` while not paused; false once cancelled.
    fn wait(&self, deadline: Instant) -> bool {
        let mut flags = self.flags.lock().unwrap();
        loop {
            if flags.cancelled {
                return false;
            }
            let now = Instant::now();
            if flags.paused {
                flags = self.changed.wait(flags).unwrap();
            } else if now < deadline {
                flags = self.changed.wait_timeout(flags, deadline - now).unwrap().0;
            } else {
                return true;
            }
        }
    }

    fn set(&self, change: impl FnOnce(&mut Flags)) {
        change(&mut self.flags.lock().unwrap());
        self.changed.notify_all();
    }
}

/// The words of `text`, each with the whitespace before it, so that they join back to `text`.
fn words(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut previous_space = false;
    for (index, ch) in text.char_indices() {
        if ch.is_whitespace() && !previous_space && index > start {
            pieces.push(&text[start..index]);
            start = index;
        }
        previous_space = ch.is_whitespace();
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// What a call answers: the last user message, and the input's size in words.
fn read_request(text: &[u8]) -> Option<(String, usize)> {
    let request = json::parse(text).ok()?;
    let messages = match request.get("messages")? {
        json::Value::Array(messages) => messages,
        _ => return None,
    };
    let input_words = messages.iter().filter_map(|m| m.get("content")?.as_str()).map(|c| c.split_whitespace().count()).sum();
    let last = messages.iter().rev().find(|m| m.get("role").and_then(|r| r.as_str()) == Some("user"))?;
    Some((last.get("content")?.as_str()?.to_string(), input_words))
}

/// One call's thread: the words, then usage and DONE — or ERROR CANCELLED, exactly once.
fn answer(state: &CallState, sink: &EventSink, log: HostLog, reply: &str, input_words: usize, delay: Duration) {
    let cancelled = || {
        log.write(LOG_DEBUG, "mirror: call cancelled");
        sink.emit(EVENT_ERROR, r#"{"code":"CANCELLED","message":"the call was cancelled"}"#);
    };
    let pieces = words(reply);
    for piece in &pieces {
        if !state.wait(Instant::now() + delay) {
            return cancelled();
        }
        sink.emit(EVENT_DELTA, piece);
    }
    if !state.wait(Instant::now()) {
        return cancelled();
    }
    sink.emit(EVENT_USAGE, &format!(r#"{{"input_tokens":{},"output_tokens":{}}}"#, input_words, pieces.len()));
    sink.emit(EVENT_DONE, &format!(r#"{{"finish_reason":{}}}"#, json::quote("stop")));
}

unsafe extern "C" fn chat_start(instance: *mut Instance, request: *const ChatRequest, out_call: *mut *mut Call) -> Status {
    if instance.is_null() || request.is_null() || out_call.is_null() {
        return ERR_INVALID_ARGUMENT;
    }
    let instance = &*(instance as *const MirrorInstance);
    let request = &*request;
    if (request.struct_size as usize) < std::mem::size_of::<ChatRequest>() {
        return ERR_INVALID_ARGUMENT;
    }
    let on_event = match request.on_event {
        Some(on_event) => on_event,
        None => return ERR_INVALID_ARGUMENT,
    };
    let (reply, input_words) = match read_request(borrowed(request.json, request.json_len)) {
        Some(parts) => parts,
        None => return ERR_INVALID_ARGUMENT,
    };
    let state = Arc::new(CallState { flags: Mutex::new(Flags::default()), changed: Condvar::new(), log: instance.log });
    let sink = EventSink { on_event, user_data: request.user_data };
    let delay = instance.settings.delay;
    let log = instance.log;
    let thread_state = Arc::clone(&state);
    let spawned = std::thread::Builder::new()
        .name("mirror-call".to_string())
        .spawn(move || answer(&thread_state, &sink, log, &reply, input_words, delay));
    let thread = match spawned {
        Ok(thread) => thread,
        Err(_) => return ERR_NO_MEMORY,
    };
    let mut threads = instance.threads.lock().unwrap();
    threads.retain(|t| !t.is_finished());
    threads.push(thread);
    *out_call = Arc::into_raw(state) as *mut Call;
    OK
}

/// The call's state behind a handle, borrowed (the handle keeps its reference until release).
unsafe fn call_state<'a>(call: *mut Call) -> Option<&'a CallState> {
    (call as *const CallState).as_ref()
}

unsafe extern "C" fn chat_cancel(call: *mut Call) {
    if let Some(state) = call_state(call) {
        state.set(|flags| flags.cancelled = true);
    }
}

unsafe extern "C" fn chat_pause(call: *mut Call) {
    if let Some(state) = call_state(call) {
        state.set(|flags| flags.paused = true);
        state.log.write(LOG_DEBUG, "mirror: call paused");
    }
}

unsafe extern "C" fn chat_resume(call: *mut Call) {
    if let Some(state) = call_state(call) {
        state.set(|flags| flags.paused = false);
        state.log.write(LOG_DEBUG, "mirror: call resumed");
    }
}

unsafe extern "C" fn chat_release(call: *mut Call) {
    if !call.is_null() {
        drop(Arc::from_raw(call as *const CallState));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_back() {
        for text in ["hello brave new world", "  lead and trail  ", "héllo  👋 wörld", ""] {
            assert_eq!(words(text).concat(), text);
        }
        assert_eq!(words("a b"), vec!["a", " b"]);
    }

    #[test]
    fn settings_are_checked() {
        assert!(Settings::read(br#"{"provider_name":"m","delay_ms":5}"#).is_ok());
        assert!(Settings::read(br#"{"delay_ms":-1}"#).unwrap_err().contains("delay_ms"));
        assert!(Settings::read(br#"{"delay_ms":1.5}"#).is_err());
        assert!(Settings::read(br#"{"dealy_ms":1}"#).unwrap_err().contains("unknown setting 'dealy_ms'"));
        assert!(Settings::read(b"[]").is_err());
    }

    #[test]
    fn the_last_user_message_is_answered() {
        let (reply, input) = read_request(br#"{"messages":[{"role":"user","content":"one two"},{"role":"assistant","content":"x"},{"role":"user","content":"three"}]}"#).unwrap();
        assert_eq!(reply, "three");
        assert_eq!(input, 4);
        assert!(read_request(br#"{"messages":[{"role":"assistant","content":"x"}]}"#).is_none());
        assert!(read_request(b"not json").is_none());
    }
}
