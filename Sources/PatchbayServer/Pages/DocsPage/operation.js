// One operation of the document as a folding card: its parameters, request body, responses (each
// with its schema as a tree) and a "Try it" form.

import { h, inline, prose } from './dom.js';
import { deref, typeLabel } from './schema.js';
import { schemaView } from './schema-view.js';
import { tryItForm } from './try-it.js';

/** The element id of an operation's card: its operationId, else its method and path. */
export function anchorOf(path, method, operation) {
  return 'op-' + (operation.operationId || `${method}${path}`).replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** The operation's parameters, with the path's own: an operation's parameter wins over the path's of the same name and place. */
export function parametersOf(spec, pathItem, operation) {
  const all = new Map();
  for (const raw of [...(pathItem.parameters || []), ...(operation.parameters || [])]) {
    const parameter = deref(spec, raw);
    if (parameter && parameter.name) all.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  return [...all.values()];
}

/** Whether calling it needs a key: its own `security`, else the document's; `[{}]` means none. */
function needsKey(spec, operation) {
  const security = operation.security || spec.security || [];
  return security.length > 0 && !security.some((requirement) => Object.keys(requirement).length === 0);
}

function section(title, ...content) {
  return h('section', { className: 'part' }, h('h4', {}, title), ...content);
}

function parametersSection(spec, parameters) {
  if (!parameters.length) return null;
  return section('Parameters', h('table', { className: 'parameters' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'In'), h('th', {}, 'Type'), h('th', {}, 'Description'))),
    h('tbody', {}, parameters.map((parameter) => h('tr', {},
      h('td', {}, h('code', {}, parameter.name), parameter.required ? h('span', { className: 'required' }, 'required') : null),
      h('td', {}, parameter.in),
      h('td', {}, typeLabel(spec, parameter.schema || {})),
      h('td', {}, parameter.description ? inline(parameter.description) : ''))))));
}

function contentView(spec, content) {
  return Object.entries(content || {}).map(([type, media]) => h('div', { className: 'media' },
    h('div', { className: 'media-type' }, h('code', {}, type)),
    media && media.schema ? schemaView(spec, media.schema) : null));
}

function requestBodySection(spec, raw) {
  const body = deref(spec, raw);
  if (!body) return null;
  return section(body.required ? 'Request body (required)' : 'Request body', prose(body.description), contentView(spec, body.content));
}

function statusClass(status) {
  return /^2/.test(status) ? 'ok' : /^3/.test(status) ? 'redirect' : 'error';
}

function responsesSection(spec, responses) {
  return section('Responses', Object.entries(responses || {}).map(([status, raw]) => {
    const response = deref(spec, raw) || {};
    const headers = Object.keys(response.headers || {});
    return h('details', { className: 'response' },
      h('summary', {}, h('span', { className: `status ${statusClass(status)}` }, status), ' ',
        inline((response.description || '').split('\n')[0])),
      contentView(spec, response.content),
      headers.length ? h('p', { className: 'headers muted' }, 'Headers: ', headers.map((name, index) => [index ? ', ' : '', h('code', {}, name)])) : null);
  }));
}

/** The card of `method` `path`; its body is built when it is first opened (there are many cards). */
export function operationView(spec, { path, method, operation, pathItem }) {
  const card = h('details', { className: 'operation', id: anchorOf(path, method, operation), dataset: { method, path } },
    h('summary', {},
      h('span', { className: `method ${method}` }, method.toUpperCase()),
      h('code', { className: 'path' }, path),
      h('span', { className: 'summary' }, operation.summary || ''),
      needsKey(spec, operation) ? h('span', { className: 'lock', title: 'Needs an API key when authentication is on' }, 'key') : null));
  card.addEventListener('toggle', () => {
    if (!card.open || card.querySelector('.operation-body')) return;
    const parameters = parametersOf(spec, pathItem, operation);
    card.append(h('div', { className: 'operation-body' },
      operation.deprecated ? h('p', { className: 'deprecated' }, 'Deprecated.') : null,
      prose(operation.description),
      parametersSection(spec, parameters),
      requestBodySection(spec, operation.requestBody),
      responsesSection(spec, operation.responses),
      tryItForm(spec, { path, method, operation, parameters })));
  });
  return card;
}
