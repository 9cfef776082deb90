import { CALLED_AS, MODELS, SERVICES, type Service } from './sdk-names.js';

/** Marks in a sample that the page fills in: the server's URL, and the signed-in project or domain. */
export const ENDPOINT = 'http://{endpoint}';
export const PROJECT_ID = '{project_id}';
export const DOMAIN_ID = '{domain_id}';

export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };
/** A model instance, a list of them, a value read from an environment variable, or a plain JSON value. */
export type Value = { model: string; fields: Field[] } | { list: Value[] } | { env: string } | { plain: Plain };
export interface Field {
  name: string;
  value: Value;
}

/** One SDK call, in no language: what the samples build, send and print. */
export interface Call {
  operationId: string;
  /** The SDK's name of the operation (ShowPrivateProvider is called as ShowPrivateProviderMetadata). */
  sdkOperation: string;
  family: string;
  service: Service;
  method: string;
  /** The path sent, the project id left as {project_id}. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Plain;
  request: { model: string; fields: Field[] };
  /** The request needs no credential (POST /v3/auth/tokens). */
  isPublic: boolean;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: { examples?: unknown[]; example?: unknown };
}
export interface Operation {
  operationId?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { example?: unknown; schema?: Schema }> };
  security?: unknown[];
}
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  examples?: unknown[];
  example?: unknown;
}

const exampleOf = (p: Parameter): unknown => p.example ?? p.schema?.example ?? p.schema?.examples?.[0];

/** A body for an operation without an example: its required fields, each named after itself. */
function fromSchema(schema: Schema | undefined, name: string): Plain {
  if (schema?.type === 'object' || schema?.properties) {
    const out: Record<string, Plain> = {};
    for (const key of schema.required ?? []) out[key] = fromSchema(schema.properties?.[key], key);
    return out;
  }
  if (schema?.type === 'integer' || schema?.type === 'number') return 1;
  if (schema?.type === 'boolean') return true;
  if (schema?.type === 'array') return [];
  return `my-${name.replaceAll('_', '-')}`;
}

function bodyOf(op: Operation): Plain | undefined {
  const content = op.requestBody?.content?.['application/json'];
  if (!content) return undefined;
  const schema = content.schema;
  return (content.example ?? schema?.example ?? schema?.examples?.[0] ?? fromSchema(schema, 'body')) as Plain;
}

/** The SDK model field a parameter sets: header names differ in case (client-request-id is Client-Request-Id). */
const fieldFor = (model: string, name: string) =>
  Object.keys(MODELS[model] ?? {}).find((f) => f.toLowerCase() === name.toLowerCase()) ?? name;

function valueOf(plain: Plain, model: string | null | undefined): Value {
  if (model?.endsWith('[]') && Array.isArray(plain))
    return { list: plain.map((item) => valueOf(item, model.slice(0, -2))) };
  if (model && plain && typeof plain === 'object' && !Array.isArray(plain)) {
    const fields = MODELS[model] ?? {};
    return {
      model,
      fields: Object.entries(plain).map(([name, v]) => ({ name, value: valueOf(v, fields[name]) })),
    };
  }
  return { plain };
}

const envName = (header: string) => header.replaceAll('-', '_').toUpperCase();

/** The call an operation of the document makes through its family's SDK, with the values of its examples. */
export function describeCall(path: string, method: string, op: Operation): Call | undefined {
  const family = op.tags?.find((t) => SERVICES[t]);
  if (!family || !op.operationId) return undefined;
  const service = SERVICES[family]!;
  const sdkOperation = CALLED_AS[op.operationId] ?? op.operationId;
  const model = `${sdkOperation}Request`;
  const known = MODELS[model] ?? {};
  const fields: Field[] = [];
  const query: Record<string, string> = {};
  const headers: Record<string, string> = {};
  let filled = path;
  for (const p of op.parameters ?? []) {
    if (p.in === 'path' && p.name === 'project_id') continue;
    const example = exampleOf(p);
    if (example === undefined || example === null) continue;
    const text = String(example);
    if (p.in === 'path') filled = filled.replace(`{${p.name}}`, encodeURIComponent(text));
    else if (p.in === 'query') query[p.name] = text;
    else if (p.in === 'header') headers[fieldFor(model, p.name)] = text;
    else continue;
    fields.push({ name: fieldFor(model, p.name), value: { plain: example as Plain } });
  }
  // A header the route reads without declaring it (X-Subject-Token) comes from the environment.
  for (const name of Object.keys(known).filter((f) => /^X-/i.test(f) && !fields.some((x) => x.name === f))) {
    fields.push({ name, value: { env: envName(name) } });
    headers[name] = `$${envName(name)}`;
  }
  const body = bodyOf(op);
  if (body !== undefined)
    fields.push({ name: 'body', value: valueOf(body, known.body ?? `${sdkOperation}RequestBody`) });
  return {
    operationId: op.operationId,
    sdkOperation,
    family,
    service,
    method: method.toUpperCase(),
    path: filled,
    query,
    headers,
    body,
    request: { model, fields },
    isPublic: Array.isArray(op.security) && op.security.length === 0,
  };
}
