// Building the page's DOM from the document's text, safely: every string becomes a text node,
// never HTML, whatever the document says.

/**
 * A new `tag` element: `properties` are set on it (`className`, `id`, `href`, `open`, …; `dataset`
 * and `attributes` are objects), `children` are nodes or strings (text), nulls skipped.
 */
export function h(tag, properties = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === null) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'attributes') for (const [attribute, text] of Object.entries(value)) element.setAttribute(attribute, text);
    else element[name] = value;
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** One line of the document's prose: `code` spans become <code>, the rest stays text. */
export function inline(text) {
  return String(text).split('`').map((part, index) => (index % 2 ? h('code', {}, part) : part));
}

/** The document's prose (a description): paragraphs at blank lines, `code` spans, `- ` lists. */
export function prose(text, className = 'prose') {
  if (!text) return null;
  const box = h('div', { className });
  for (const block of String(text).split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines.every((line) => /^\s*[-*] /.test(line))) {
      box.append(h('ul', {}, lines.map((line) => h('li', {}, inline(line.replace(/^\s*[-*] /, ''))))));
    } else {
      box.append(h('p', {}, inline(lines.join(' '))));
    }
  }
  return box;
}
