import type { preValidationHookHandler } from 'fastify';

/**
 * The tolerance rules of lenient JSON APIs, driven by the schema the body is validated against:
 * `null` is the same as absent; keys the schema does not know are dropped (or kept for validation
 * to refuse, where the schema says `additionalProperties: false`); a list marked
 * `x-lenient-list` takes a lone string as a one-item list and `{}` or `[]` as absent (with
 * `keep-empty`, `{}` as `[]`, so that a list that must not be empty is reported); a string
 * marked `x-empty-is-absent` takes `""` as absent. Values of the wrong type are left for validation.
 */
interface Schema {
  type?: string;
  additionalProperties?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  maxItems?: number;
  maxProperties?: number;
  'x-lenient-list'?: boolean | 'keep-empty';
  'x-empty-is-absent'?: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies the rules to a freshly parsed body, changing its objects and arrays in place (nothing
 * else refers to them), and returns the value to keep (undefined: drop it).
 */
export function normalize(schema: Schema, value: unknown): unknown {
  if (value === null) return undefined;
  if (schema['x-empty-is-absent'] && value === '') return undefined;
  if (schema['x-lenient-list']) {
    if (typeof value === 'string') value = [value];
    else if (isPlainObject(value) && isEmpty(value)) value = [];
    if (Array.isArray(value) && value.length === 0 && schema['x-lenient-list'] !== 'keep-empty') return undefined;
  }
  if (schema.type === 'array' && Array.isArray(value)) {
    // One item over the bound is enough for validation to refuse the list: the rest would only
    // cost time and an error each (a 1 MiB body holds some 200,000 short items).
    if (schema.maxItems !== undefined && value.length > schema.maxItems + 1) value.length = schema.maxItems + 1;
    if (schema.items)
      for (let i = 0; i < value.length; i++) if (value[i] !== null) value[i] = normalize(schema.items, value[i]);
    return value;
  }
  if (schema.type === 'object' && schema.maxProperties !== undefined && isPlainObject(value))
    dropOverBound(value, schema.maxProperties + 1);
  if (schema.type === 'object' && schema.properties && isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const sub = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
      if (!sub) {
        if (schema.additionalProperties !== false) delete value[key];
        continue;
      }
      const n = normalize(sub, value[key]);
      if (n === undefined) delete value[key];
      else value[key] = n;
    }
  }
  return value;
}

/** Keeps the first `keep` keys of a map (the same reason as for lists). */
function dropOverBound(o: Record<string, unknown>, keep: number): void {
  let n = 0;
  for (const key of Object.keys(o)) if (++n > keep) delete o[key];
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** A route hook applying normalize() to the body before the route schema validates it. */
export function lenientBody(schema: object): preValidationHookHandler {
  return (req, _reply, done) => {
    req.body = normalize(schema as Schema, req.body);
    done();
  };
}
