// A JSON Schema shown as a tree of fields: name, type, required, rules and description; nested
// objects and array items fold open beneath their field.

import { h, inline, prose } from './dom.js';
import { constraints, deref, fields, flatten, typeLabel } from './schema.js';

const deepest = 5;  // levels shown; deeper (or recursive) schemas show their type only

/** The object schema to list under a field of type `raw`, if there is one (also for array items). */
function nestedObject(spec, raw) {
  let schema = flatten(spec, raw);
  if (schema.items && !schema.properties) schema = flatten(spec, schema.items);
  return schema.properties && Object.keys(schema.properties).length ? schema : null;
}

/** The shapes a `oneOf`/`anyOf` schema may take, each shown as a tree of its own. */
function alternatives(spec, schema, depth) {
  const options = schema.oneOf || schema.anyOf;
  if (!Array.isArray(options) || depth >= deepest) return null;
  return h('div', { className: 'alternatives' },
    h('p', { className: 'muted' }, schema.oneOf ? 'One of:' : 'Any of:'),
    options.map((option, index) => h('details', { className: 'alternative', open: depth === 0 && index === 0 },
      h('summary', {}, typeLabel(spec, option)),
      schemaView(spec, option, depth + 1))));
}

function fieldRow(spec, name, raw, required, depth) {
  const schema = flatten(spec, raw);
  const rules = constraints(schema);
  const nested = depth < deepest ? nestedObject(spec, raw) : null;
  const row = h('li', { className: 'field' },
    h('div', { className: 'field-head' },
      h('code', { className: 'field-name' }, name),
      h('span', { className: 'field-type' }, typeLabel(spec, raw)),
      required ? h('span', { className: 'required' }, 'required') : null,
      schema.deprecated ? h('span', { className: 'deprecated' }, 'deprecated') : null),
    schema.description ? h('div', { className: 'field-description' }, inline(schema.description)) : null,
    rules.length ? h('div', { className: 'rules' }, rules.join(' · ')) : null);
  if (nested) row.append(h('details', { className: 'nested' }, h('summary', {}, 'Fields'), schemaView(spec, nested, depth + 1)));
  else if (schema.oneOf || schema.anyOf) row.append(alternatives(spec, schema, depth + 1));
  return row;
}

/** `raw` as a tree: an object's fields, or the alternatives of a `oneOf`, or its type and rules. */
export function schemaView(spec, raw, depth = 0) {
  const schema = flatten(spec, raw);
  const list = fields(spec, schema);
  if (list.length && depth < deepest) {
    return h('div', { className: 'schema' },
      schema.description && depth === 0 ? prose(schema.description, 'prose muted') : null,
      h('ul', { className: 'fields' }, list.map(([name, field, required]) => fieldRow(spec, name, field, required, depth))));
  }
  if ((schema.oneOf || schema.anyOf) && depth < deepest) {
    return h('div', { className: 'schema' }, schema.description ? prose(schema.description, 'prose muted') : null,
      alternatives(spec, schema, depth));
  }
  const items = schema.items ? deref(spec, schema.items) : null;
  return h('div', { className: 'schema' },
    h('span', { className: 'field-type' }, typeLabel(spec, raw)),
    constraints(schema).length ? h('span', { className: 'rules' }, ` ${constraints(schema).join(' · ')}`) : null,
    items && items.properties && depth < deepest ? schemaView(spec, items, depth + 1) : null,
    schema.description && depth === 0 ? prose(schema.description, 'prose muted') : null);
}
