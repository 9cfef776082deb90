import vm from 'node:vm';
import { createRequire } from 'node:module';
import ts from 'typescript';

export interface Sample {
  lang: string;
  label: string;
  source: string;
}
export interface Op {
  path: string;
  method: string;
  operationId: string;
  tags: string[];
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  samples: Sample[];
}

/** Every operation of the document with an operationId under /v1, /v2 or /v3. */
export function operations(doc: any): Op[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>)
    .filter(([path]) => /^\/v[123]\//.test(path))
    .flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.operationId)
        .map(([method, op]) => ({ path, method, ...op, samples: op['x-codeSamples'] ?? [] })),
    );
}

export const sampleOf = (op: Op, lang: string) => op.samples.find((s) => s.lang === lang)!.source;

/** The syntax errors the TypeScript compiler finds in a JavaScript program. */
export function jsSyntaxErrors(source: string): string[] {
  const out = ts.transpileModule(source, { reportDiagnostics: true, fileName: 'sample.js' });
  return (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const load = createRequire(import.meta.url);

/**
 * Runs a Node.js sample as a CommonJS program; `modules` replaces packages it requires. Resolves with what it
 * printed once it printed something.
 */
export function runNode(
  source: string,
  env: Record<string, string>,
  modules: Record<string, unknown> = {},
): Promise<{ out?: string; err?: unknown[] }> {
  return new Promise((resolve) => {
    const console = {
      log: (text: string) => resolve({ out: text }),
      error: (...args: unknown[]) => resolve({ err: args }),
    };
    const require = (name: string) => modules[name] ?? load(name);
    const module = { exports: {} };
    vm.runInNewContext(ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText, {
      require,
      module,
      exports: module.exports,
      console,
      process: { env },
    });
  });
}

export interface Recorded {
  operation: string;
  request: Built;
}
export interface Built {
  model: string;
  fields: Record<string, unknown>;
}

/**
 * A stand-in for an SDK package that is not on npm: every class the sample names records its setters, and the
 * client records the call. A name the SDK does not have is not there, as in the real package.
 */
export function recordingSdk(client: string, models: string[], calls: Recorded[]): Record<string, unknown> {
  const sdk: Record<string, unknown> = {};
  for (const model of models)
    sdk[model] = function () {
      const built: Built = { model, fields: {} };
      const proxy: unknown = new Proxy(built, {
        get: (target, key) =>
          typeof key === 'string' && key.startsWith('with')
            ? (value: unknown) => {
                target.fields[key.slice(4)] = value;
                return proxy;
              }
            : (target as any)[key],
      });
      return proxy;
    };
  const builder: any = { withCredential: () => builder, withEndpoint: () => builder };
  builder.build = () =>
    new Proxy(
      {},
      {
        get: (_t, operation: string) => (request: unknown) => {
          calls.push({ operation, request: unwrap(request) as Built });
          return Promise.resolve({ ok: true });
        },
      },
    );
  sdk[client] = { newBuilder: () => builder };
  return sdk;
}

/** The plain data of what a recording model built (its setters by name, without `with`). */
export function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === 'object' && 'model' in value && 'fields' in value) {
    const b = value as Built;
    return { model: b.model, fields: Object.fromEntries(Object.entries(b.fields).map(([k, v]) => [k, unwrap(v)])) };
  }
  return value;
}
