import AjvModule, { type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const Ajv = AjvModule.default ?? AjvModule;

const common: Options = { allErrors: false, removeAdditional: false, strict: false, messages: true };

// Bodies are JSON: a value of the wrong type is an error, never coerced.
const bodyAjv = new Ajv({ ...common, coerceTypes: false, useDefaults: false });
// Query strings, path parameters and headers are text: coerce, and let a repeated key be an array.
const textAjv = new Ajv({ ...common, coerceTypes: 'array', useDefaults: true });

/** Compiles each route schema once, at start-up. */
export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as ReturnType<FastifySchemaCompiler<any>>;
