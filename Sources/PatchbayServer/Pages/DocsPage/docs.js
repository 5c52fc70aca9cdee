// /docs: the API reference, rendered here from GET /openapi.json: the document's description, then
// its operations grouped by tag (the document's tag order), each a folding card with a "Try it"
// form; a filter and a table of contents beside them.

import { h, prose } from './dom.js';
import { anchorOf, operationView } from './operation.js';
import { apiKey, setApiKey } from './try-it.js';

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const content = document.getElementById('content');
const toc = document.getElementById('toc');
const filter = document.getElementById('filter');

/** Every operation, grouped by its first tag: the document's tags first, in its order. */
function groups(spec) {
  const byTag = new Map((spec.tags || []).map((tag) => [tag.name, { tag, operations: [] }]));
  for (const [path, pathItem] of Object.entries(spec.paths || {})) {
    for (const method of methods) {
      const operation = pathItem[method];
      if (!operation) continue;
      const name = (operation.tags || [])[0] || 'Other';
      if (!byTag.has(name)) byTag.set(name, { tag: { name }, operations: [] });
      byTag.get(name).operations.push({ path, method, operation, pathItem });
    }
  }
  return [...byTag.values()].filter((group) => group.operations.length);
}

function tocEntry(entry) {
  const { path, method, operation } = entry;
  return h('li', { dataset: { method, path } }, h('a', { href: `#${anchorOf(path, method, operation)}` },
    h('span', { className: `method ${method}` }, method.toUpperCase()), ' ', path));
}

function render(spec) {
  const info = spec.info || {};
  document.title = `${info.title || 'API'} ${info.version || ''} · API reference`;
  document.getElementById('version').textContent = info.version ? `v${info.version}` : '';
  const intro = h('section', { className: 'intro' },
    h('h1', {}, `${info.title || 'API'} API reference`),
    info.summary ? h('p', { className: 'lead' }, info.summary) : null,
    prose(info.description));
  const grouped = groups(spec);
  const sections = grouped.map(({ tag, operations }) => h('section', { className: 'tag', dataset: { tag: tag.name } },
    h('h2', { id: `tag-${tag.name.replace(/\W+/g, '-')}` }, tag.name),
    prose(tag.description, 'prose muted'),
    operations.map((entry) => operationView(spec, entry))));
  const entries = grouped.map(({ tag, operations }) => h('details', { className: 'toc-group', open: tag.name !== 'CORS', dataset: { tag: tag.name } },
    h('summary', {}, tag.name), h('ul', {}, operations.map(tocEntry))));
  content.replaceChildren(intro, ...sections);
  toc.replaceChildren(...entries);
}

/** Shows only the operations whose method, path or summary holds every word typed. */
function applyFilter() {
  const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  for (const card of content.querySelectorAll('.operation')) {
    const text = `${card.dataset.method} ${card.dataset.path} ${card.querySelector('.summary').textContent}`.toLowerCase();
    card.hidden = !words.every((word) => text.includes(word));
  }
  // A contents entry goes with its card (its link names the card's id).
  for (const item of toc.querySelectorAll('li')) item.hidden = document.getElementById(item.firstChild.hash.slice(1)).hidden;
  for (const group of [...content.querySelectorAll('.tag'), ...toc.querySelectorAll('.toc-group')]) {
    group.hidden = ![...group.querySelectorAll('.operation, li')].some((element) => !element.hidden);
  }
}

/** Opens the card the address names (a link from the table of contents, or a shared address). */
function openLinked() {
  const id = decodeURIComponent(location.hash.slice(1));
  const card = id && document.getElementById(id);
  if (card && card.tagName === 'DETAILS') {
    card.open = true;
    card.scrollIntoView({ block: 'start' });
  }
}

async function start() {
  const key = document.getElementById('api-key');
  key.value = apiKey();
  key.addEventListener('change', () => setApiKey(key.value.trim()));
  try {
    const response = await fetch('/openapi.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch (error) {
    content.replaceChildren(h('p', { className: 'failure', attributes: { role: 'alert' } },
      `The API description could not be loaded from /openapi.json (${error.message}).`));
    return;
  }
  filter.addEventListener('input', applyFilter);
  window.addEventListener('hashchange', openLinked);
  openLinked();
}

start();
