//! Hand-written bindings of `Sources/CPatchbayPlugin/include/patchbay_plugin.h`, ABI 1.1.
//!
//! Every struct is `#[repr(C)]` with the header's members in the header's order; the sizes are
//! checked at compile time below against the header's x86_64/aarch64 layout. Thread rules and
//! ownership are the header's: read it next to this file.

use std::os::raw::{c_char, c_void};

pub const ABI_MAJOR: u16 = 1;
pub const ABI_MINOR: u16 = 1;

pub type Status = i32;
pub const OK: Status = 0;
pub const ERR_INVALID_ARGUMENT: Status = 1;
pub const ERR_NO_MEMORY: Status = 3;
pub const ERR_CONFIG: Status = 4;

pub type LogLevel = i32;
pub const LOG_DEBUG: LogLevel = 1;
pub const LOG_INFO: LogLevel = 2;

pub type EventKind = i32;
pub const EVENT_DELTA: EventKind = 1;
pub const EVENT_USAGE: EventKind = 2;
pub const EVENT_DONE: EventKind = 3;
pub const EVENT_ERROR: EventKind = 4;

/// `patchbay_host_services`. OWNERSHIP: the host's, valid until `instance_destroy` returns.
#[repr(C)]
pub struct HostServices {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub host_context: *mut c_void,
    /// [any-thread]; `message` borrowed for the call.
    pub log: Option<unsafe extern "C" fn(*mut c_void, LogLevel, *const c_char, usize)>,
}

/// `patchbay_event`. OWNERSHIP: the plugin's, borrowed by the host during `on_event` only.
#[repr(C)]
pub struct Event {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub kind: EventKind,
    pub data: *const c_char,
    pub data_len: usize,
}

/// `patchbay_event_fn`: [callback], never concurrently for one call.
pub type EventFn = unsafe extern "C" fn(user_data: *mut c_void, event: *const Event);

/// `patchbay_chat_request`. OWNERSHIP: the host's, borrowed during `chat_start` only.
#[repr(C)]
pub struct ChatRequest {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub json: *const c_char,
    pub json_len: usize,
    pub on_event: Option<EventFn>,
    pub user_data: *mut c_void,
}

/// `patchbay_instance` and `patchbay_call`: opaque to the host.
pub enum Instance {}
pub enum Call {}

/// `patchbay_plugin_descriptor`, with 1.0's optional `config_check` and 1.1's pause/resume.
/// OWNERSHIP: the plugin's; static.
#[repr(C)]
pub struct Descriptor {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub name: *const c_char,
    pub version: *const c_char,
    pub manifest_json: *const c_char,
    pub instance_create: unsafe extern "C" fn(*const HostServices, *const c_char, usize, *mut *mut Instance, *mut *mut c_char) -> Status,
    pub instance_destroy: unsafe extern "C" fn(*mut Instance),
    pub free_string: unsafe extern "C" fn(*mut c_char),
    pub chat_start: unsafe extern "C" fn(*mut Instance, *const ChatRequest, *mut *mut Call) -> Status,
    pub chat_cancel: unsafe extern "C" fn(*mut Call),
    pub chat_release: unsafe extern "C" fn(*mut Call),
    pub config_check: Option<unsafe extern "C" fn(*const c_char, usize, *mut *mut c_char) -> Status>,
    pub chat_pause: Option<unsafe extern "C" fn(*mut Call)>,
    pub chat_resume: Option<unsafe extern "C" fn(*mut Call)>,
}

// The descriptor is static and read-only; its raw pointers point at static strings.
unsafe impl Sync for Descriptor {}

// The header's layout on 64-bit targets: 8 bytes of header, 3 strings, 9 function pointers.
const _: () = assert!(std::mem::size_of::<Descriptor>() == 8 + 3 * 8 + 9 * 8);
const _: () = assert!(std::mem::size_of::<Event>() == 8 + 8 + 8 + 8);
const _: () = assert!(std::mem::size_of::<ChatRequest>() == 8 + 8 + 8 + 8 + 8);
const _: () = assert!(std::mem::size_of::<HostServices>() == 8 + 8 + 8);
