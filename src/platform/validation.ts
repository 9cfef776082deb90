import AjvModule, { type ErrorObject, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError, type ErrorKind } from './errors.js';
import { FORMATS } from './formats.js';

const Ajv = AjvModule.default ?? AjvModule;

const common: Options = { removeAdditional: false, strict: false, messages: true };

// Bodies are JSON: a value of the wrong type is an error, never coerced. Every failing field is
// reported, so a request with several mistakes is fixed in one round.
const bodyAjv = new Ajv({ ...common, allErrors: true, verbose: true, coerceTypes: false, useDefaults: true });
// Query strings, path parameters and headers are text: coerce, and let a repeated key be an array.
const textAjv = new Ajv({ ...common, allErrors: false, verbose: true, coerceTypes: 'array', useDefaults: true });

for (const [name, { check }] of Object.entries(FORMATS)) {
  bodyAjv.addFormat(name, { type: 'string', validate: check });
  textAjv.addFormat(name, { type: 'string', validate: check });
}

type Validate = ((data: unknown, ctx?: unknown) => boolean) & { errors?: unknown; schemaEnv?: unknown };

interface NumberRule {
  name: string;
  type: 'integer' | 'number';
  syntax: RegExp;
  rule: string;
}

const INTEGER = /^[0-9]+$/;
const SIGNED_INTEGER = /^-?[0-9]+$/;
const DECIMAL = /^[0-9]+(?:\.[0-9]+)?$/;
const SIGNED_DECIMAL = /^-?[0-9]+(?:\.[0-9]+)?$/;

/**
 * The numbers of a query string, path or header schema and how each must be written. Ajv's
 * coercion takes whatever Number() takes (`0x10`, ` 16`, `1e1`, `+16`, `-0`, `0b1`); a number
 * in text must be plain decimal digits instead (leading zeros are decimal, never octal), with a
 * sign only where the schema allows negative values.
 */
function numberRules(schema: unknown): NumberRule[] {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties) return [];
  const rules: NumberRule[] = [];
  for (const [name, sub] of Object.entries(properties)) {
    const s = sub as { type?: unknown; items?: { type?: unknown; minimum?: unknown }; minimum?: unknown };
    const target = s.type === 'array' && s.items ? s.items : s;
    const types = Array.isArray(target.type) ? target.type : [target.type];
    const negative = !(typeof target.minimum === 'number' && target.minimum >= 0);
    const sign = negative ? ', with "-" before a negative one' : '';
    if (types.includes('integer')) {
      rules.push({
        name,
        type: 'integer',
        syntax: negative ? SIGNED_INTEGER : INTEGER,
        rule: `an integer written in decimal digits 0-9${sign}`,
      });
    } else if (types.includes('number')) {
      rules.push({
        name,
        type: 'number',
        syntax: negative ? SIGNED_DECIMAL : DECIMAL,
        rule: `a number written in decimal digits 0-9 (a fraction after ".")${sign}`,
      });
    }
  }
  return rules;
}

/** The first number of the text that is not written as the rules say, as an Ajv error. */
function misspelledNumber(rules: NumberRule[], data: unknown): ErrorObject[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const { name, type, syntax, rule } of rules) {
    const value = (data as Record<string, unknown>)[name];
    const values = Array.isArray(value) ? value : [value];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'string' || syntax.test(v)) continue;
      const at = Array.isArray(value) ? `/${name}/${i}` : `/${name}`;
      return [
        {
          instancePath: at,
          schemaPath: `#/properties/${name}/type`,
          keyword: 'type',
          params: { type },
          message: `must be ${rule}`,
        },
      ];
    }
  }
  return undefined;
}

/**
 * Compiles a route schema on its first use, not at start-up (a cold start compiles none), and
 * keeps the compiled validator for every later request. Numbers in query strings, paths and
 * headers must be plain decimal text before Ajv coerces them.
 */
export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) => {
  let compiled: Validate | undefined;
  let rules: NumberRule[] | undefined;
  const text = httpPart !== 'body';
  const validate: Validate = (data, ctx) => {
    compiled ??= (text ? textAjv : bodyAjv).compile(schema as object) as Validate;
    if (text) {
      rules ??= numberRules(schema);
      const misspelled = rules.length > 0 ? misspelledNumber(rules, data) : undefined;
      if (misspelled) {
        validate.errors = misspelled;
        return false;
      }
    }
    const ok = compiled(data, ctx);
    validate.errors = compiled.errors;
    return ok;
  };
  // Tells Fastify to pass the parent object, so that coercion may replace a whole query value.
  validate.schemaEnv = true;
  return validate as ReturnType<FastifySchemaCompiler<any>>;
};

const MAX_REPORTED = 16;

function fieldOf(e: ErrorObject): string {
  let field = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
  const p = e.params as Record<string, unknown>;
  const child =
    e.keyword === 'required'
      ? p.missingProperty
      : e.keyword === 'additionalProperties'
        ? p.additionalProperty
        : p.propertyName;
  if (typeof child === 'string') field = field ? `${field}.${child}` : child;
  return field;
}

function ruleOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known parameter';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'pattern': {
      const rule = (e.parentSchema as Record<string, unknown> | undefined)?.['x-rule'];
      return typeof rule === 'string' ? `must be ${rule}` : `must match ${String(p.pattern)}`;
    }
    case 'format':
      return `must be ${FORMATS[String(p.format)]?.rule ?? `a valid ${String(p.format)}`}`;
    case 'propertyNames':
      return 'is not a valid name';
    case 'maxItems':
      return `must hold at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return `must hold distinct items (items ${Math.min(Number(p.i), Number(p.j))} and ${Math.max(Number(p.i), Number(p.j))} are the same)`;
    case 'maxProperties':
      return `must hold at most ${String(p.limit)} keys`;
    case 'minLength':
    case 'maxLength': {
      // Say what to send, not only how long it must be.
      const rule = (e.parentSchema as Record<string, unknown> | undefined)?.['x-rule'];
      return typeof rule === 'string' ? `${e.message}: it must be ${rule}` : (e.message ?? 'is invalid');
    }
    default:
      return e.message ?? 'is invalid';
  }
}

function kindOf(e: ErrorObject, context: string): ErrorKind {
  if (e.keyword === 'required') return 'missing';
  if (e.keyword === 'additionalProperties') return 'unknown_field';
  if (e.keyword === 'type' && context === 'body') return 'wrong_type';
  return 'invalid';
}

/** One error naming every failing field (up to a few) and its rule; the first failure decides the kind. */
export function validationError(errors: ErrorObject[], context: string): AppError {
  // A key that is not a valid name also fails its value's pattern: report the name only.
  const badNames = new Set(errors.filter((e) => e.keyword === 'propertyNames').map((e) => e.instancePath));
  const relevant =
    badNames.size === 0 ? errors : errors.filter((e) => !(e.keyword === 'pattern' && badNames.has(e.instancePath)));
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of relevant) {
    const field = fieldOf(e) || context;
    if (seen.has(field)) continue;
    seen.add(field);
    parts.push(`${context === 'body' ? '' : `${context} `}${field} ${ruleOf(e)}`);
    if (parts.length === MAX_REPORTED) break;
  }
  return new AppError(kindOf(relevant[0] ?? errors[0]!, context), parts.join('; '));
}
