// "Try it": a form per operation that sends the request from this page with fetch and shows the
// status, the headers and the body (streamed as it arrives, so Server-Sent Events show live).

import { h } from './dom.js';
import { deref, example } from './schema.js';

const keyStorage = 'patchbay-docs:api-key';  // sessionStorage: the key leaves with the tab

/** The API key typed in the page's key box, if any (sent as `X-API-Key`). */
export function apiKey() {
  try { return sessionStorage.getItem(keyStorage) || ''; } catch { return ''; }
}

export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(keyStorage, key);
    else sessionStorage.removeItem(keyStorage);
  } catch { /* storage blocked: the key lasts until the page reloads */ }
}

/** The request body's JSON media type and its example, if the operation takes a JSON body. */
function jsonBody(spec, operation) {
  const body = deref(spec, operation.requestBody);
  const entry = Object.entries((body && body.content) || {}).find(([type]) => /json/.test(type));
  if (!entry) return null;
  const [type, media] = entry;
  const value = media.example ?? Object.values(media.examples || {}).map((item) => deref(spec, item).value)[0]
    ?? example(spec, media.schema || {});
  return { type, text: JSON.stringify(value, null, 2) };
}

function parameterInput(spec, parameter) {
  const schema = deref(spec, parameter.schema || {}) || {};
  const initial = parameter.in === 'path' ? (parameter.example ?? schema.examples?.[0] ?? schema.default ?? '') : '';
  const input = h('input', { name: parameter.name, value: String(initial), required: !!parameter.required && parameter.in === 'path',
    placeholder: parameter.required ? 'required' : 'optional', autocomplete: 'off', spellcheck: false });
  return { parameter, input, label: h('label', { className: 'try-field' }, h('span', {}, `${parameter.name} (${parameter.in})`), input) };
}

/** The request the form describes: its URL and the fetch options. */
function request(path, method, fields, body) {
  let url = path;
  const query = new URLSearchParams();
  const headers = new Headers();
  for (const { parameter, input } of fields) {
    const value = input.value;
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
    else if (value && parameter.in === 'query') query.append(parameter.name, value);
    else if (value && parameter.in === 'header') headers.set(parameter.name, value);  // the browser drops forbidden ones
  }
  if (query.size) url += `?${query}`;
  if (apiKey()) headers.set('X-API-Key', apiKey());
  const options = { method: method.toUpperCase(), headers, cache: 'no-store' };
  if (body) {
    headers.set('Content-Type', body.type);
    options.body = body.textarea.value;
  }
  return { url, options };
}

/** Reads the response's body into `pre` as it arrives; pretty-prints JSON once it is whole. */
async function showBody(response, pre) {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    text += decoder.decode(value || new Uint8Array(), { stream: !done });
    pre.textContent = text;
    if (done) break;
  }
  if (/json/.test(response.headers.get('Content-Type') || '')) {
    try { pre.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not whole JSON: shown as it came */ }
  }
}

/** The "Try it" form of one operation. */
export function tryItForm(spec, { path, method, operation, parameters }) {
  const fields = parameters.filter((parameter) => ['path', 'query', 'header'].includes(parameter.in))
    .map((parameter) => parameterInput(spec, parameter));
  const json = jsonBody(spec, operation);
  const body = json && { type: json.type, textarea: h('textarea', { className: 'try-body', rows: 8, spellcheck: false, value: json.text }) };
  const status = h('p', { className: 'try-status' });
  const headers = h('pre', { className: 'try-headers' });
  const output = h('pre', { className: 'try-output' });
  const result = h('div', { className: 'try-result', hidden: true }, status, h('h5', {}, 'Headers'), headers, h('h5', {}, 'Body'), output);
  const send = h('button', { type: 'submit', className: 'send' }, 'Send');
  const stop = h('button', { type: 'button', className: 'stop', hidden: true }, 'Stop');
  let controller = null;
  stop.addEventListener('click', () => controller && controller.abort());

  const form = h('form', { className: 'try-it' },
    h('h4', {}, 'Try it'),
    fields.map((field) => field.label),
    body ? h('label', { className: 'try-field' }, h('span', {}, `Body (${body.type})`), body.textarea) : null,
    h('div', { className: 'try-actions' }, send, stop),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { url, options } = request(path, method, fields, body);
    controller = new AbortController();
    send.disabled = true;
    stop.hidden = false;
    result.hidden = false;
    status.textContent = `${options.method} ${url} …`;
    headers.textContent = '';
    output.textContent = '';
    const started = performance.now();
    try {
      const response = await fetch(url, { ...options, signal: controller.signal });
      status.textContent = `${response.status} ${response.statusText} · ${options.method} ${url} · ${Math.round(performance.now() - started)} ms`;
      status.dataset.status = String(response.status);
      headers.textContent = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
      await showBody(response, output);
    } catch (error) {
      status.textContent += controller.signal.aborted ? ' stopped.' : ` failed: ${error.message}`;
    } finally {
      send.disabled = false;
      stop.hidden = true;
      controller = null;
    }
  });
  return form;
}
