// JSON Schemas of the OpenAPI document: following `$ref`s, showing a schema as a tree of fields,
// and making an example value for the "Try it" forms.

const deepest = 6;  // nesting shown (and followed for examples); recursive schemas stop here

/** The value at a local `$ref` (`#/components/schemas/Error`; `~1` is `/`, `~0` is `~`). */
export function resolve(spec, reference) {
  if (!reference.startsWith('#/')) return undefined;
  return reference.slice(2).split('/').reduce((node, key) => (node === undefined || node === null ? undefined
    : node[key.replace(/~1/g, '/').replace(/~0/g, '~')]), spec);
}

/** `node` with its `$ref`s followed (a $ref's siblings, as OpenAPI 3.1 allows, are kept over it). */
export function deref(spec, node, seen = new Set()) {
  if (!node || typeof node !== 'object' || typeof node.$ref !== 'string' || seen.has(node.$ref)) return node;
  seen.add(node.$ref);
  const { $ref, ...siblings } = node;
  const target = deref(spec, resolve(spec, $ref), seen) || {};
  return Object.keys(siblings).length ? { ...target, ...siblings } : target;
}

/** A schema's type in a few words: `string`, `array of Message`, `"a" | "b"`, `one of …`. */
export function typeLabel(spec, raw) {
  const schema = deref(spec, raw) || {};
  const name = raw && raw.$ref ? raw.$ref.split('/').pop() : null;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array' && schema.items) return `array of ${typeLabel(spec, schema.items)}`;
  if (name) return name;
  if (type) return schema.format ? `${type} (${schema.format})` : type;
  for (const key of ['oneOf', 'anyOf']) {
    if (Array.isArray(schema[key])) return `${key === 'oneOf' ? 'one' : 'any'} of ${schema[key].map((option) => typeLabel(spec, option)).join(', ')}`;
  }
  if (schema.allOf || schema.properties) return 'object';
  return 'any';
}

/** The rules a schema adds to its type: bounds, patterns, defaults. */
export function constraints(schema) {
  const words = [];
  const pairs = [['minimum', '≥'], ['exclusiveMinimum', '>'], ['maximum', '≤'], ['exclusiveMaximum', '<'],
    ['minLength', 'min length'], ['maxLength', 'max length'], ['minItems', 'min items'], ['maxItems', 'max items']];
  for (const [key, word] of pairs) if (key in schema) words.push(`${word} ${schema[key]}`);
  if (schema.pattern) words.push(`pattern ${schema.pattern}`);
  if ('default' in schema) words.push(`default ${JSON.stringify(schema.default)}`);
  return words;
}

/**
 * `raw` with its `$ref` followed and its `allOf` parts merged into one schema: later parts win,
 * except `properties` (a property in several parts gets all of them) and `required` (all).
 */
export function flatten(spec, raw, depth = 0) {
  const { allOf, ...own } = deref(spec, raw) || {};
  if (!Array.isArray(allOf) || depth >= deepest) return own;
  const merged = {};
  const properties = {};
  const required = new Set();
  for (const part of [...allOf.map((schema) => flatten(spec, schema, depth + 1)), own]) {
    for (const [name, field] of Object.entries(part.properties || {})) {
      properties[name] = name in properties ? { allOf: [properties[name], field] } : field;
    }
    (part.required || []).forEach((name) => required.add(name));
    Object.assign(merged, part);
  }
  if (Object.keys(properties).length) merged.properties = properties;
  if (required.size) merged.required = [...required];
  return merged;
}

/** The properties of an object schema, `allOf` parts merged: `[name, schema, required]`. */
export function fields(spec, raw) {
  const schema = flatten(spec, raw);
  const required = new Set(schema.required || []);
  return Object.entries(schema.properties || {}).map(([name, field]) => [name, field, required.has(name)]);
}

/** Whether a field's schema says what it holds, beyond `null` alone. */
function holdsValue(spec, raw) {
  const schema = flatten(spec, raw);
  if (schema.type === 'null' || ('const' in schema && schema.const === null)) return false;
  return ['type', 'const', 'enum', 'oneOf', 'anyOf', 'properties', 'items'].some((key) => key in schema);
}

/** An example value for `raw`: its own example, const, enum or default, else one built from its type. */
export function example(spec, raw, depth = 0) {
  const schema = flatten(spec, raw);
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ('default' in schema) return schema.default;
  if (depth >= deepest) return null;
  const choice = (schema.oneOf || schema.anyOf || [])[0];
  if (choice) return example(spec, choice, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((name) => name !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    // The required fields, and in a small object (a message: role and content) the others that
    // can hold a value too; a field that may only be null or is untyped is left out.
    const all = fields(spec, schema);
    const valued = all.filter(([, field]) => holdsValue(spec, field));
    const chosen = valued.length <= 3 ? all.filter(([, field, required]) => required || holdsValue(spec, field))
      : all.filter(([, , required]) => required);
    return Object.fromEntries((chosen.length ? chosen : valued).map(([name, field]) => [name, example(spec, field, depth + 1)]));
  }
  if (type === 'array') {
    // An array that must `contain` something (a user message) gets that as its one item.
    const item = schema.contains ? { allOf: [schema.items || {}, schema.contains] } : schema.items;
    return item ? [example(spec, item, depth + 1)] : [];
  }
  if (type === 'integer' || type === 'number') return schema.minimum ?? schema.exclusiveMinimum ?? 0;
  if (type === 'boolean') return false;
  if (type === 'string') return schema.format === 'date-time' ? new Date(0).toISOString() : 'Hello';
  return null;
}
