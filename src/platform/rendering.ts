import fastJsonStringify from 'fast-json-stringify';
import type { TObject } from 'typebox';
import { AppError } from './errors.js';
import { MAX_RESPONSE_BYTES, mib } from './response-budget.js';

/**
 * Stored renderings: a cache of a resource's response, serialized by its response schema from the
 * resource's data (each family's renderings.ts), without its leading fields that belong to its
 * parent (an app's id and name, a provider's id and name). A read splices the parent's fields back
 * in front of the stored text instead of parsing and serializing rows.
 */
export class Rendering {
  private serialize?: (value: object) => string;

  /** `schema` must start with the `head` fields, in that order. */
  constructor(
    private readonly schema: TObject,
    private readonly head: readonly string[],
  ) {
    const keys = Object.keys(schema.properties);
    if (head.some((k, i) => keys[i] !== k)) throw new Error(`a rendered schema must start with ${head.join(', ')}`);
  }

  /** The stored text of a value: the schema's serialization without the head fields. */
  render(value: object): string {
    this.serialize ??= fastJsonStringify({
      type: 'object',
      properties: Object.fromEntries(Object.entries(this.schema.properties).filter(([k]) => !this.head.includes(k))),
      required: (this.schema.required ?? []).filter((k: string) => !this.head.includes(k)),
    });
    return this.serialize(value);
  }

  /** The JSON text of the head fields, ready to be put in front of stored texts. */
  headJson(...values: string[]): string {
    return `{${this.head.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(values[i])}`).join(',')},`;
  }

  /** One response object: the head fields, then the stored text. */
  splice(headJson: string, stored: string): string {
    return headJson + stored.slice(1);
  }

  /**
   * A JSON array of stored texts, each with the same head fields. A page that would be larger
   * than a response may be (MAX_RESPONSE_BYTES; only rows stored before the size bounds can make
   * one) is refused before it is assembled, saying how many items would fit.
   */
  spliceAll(headJson: string, stored: readonly string[]): string {
    let size = 0;
    for (let i = 0; i < stored.length; i++) size += headJson.length + stored[i]!.length;
    if (size > MAX_RESPONSE_BYTES) throw pageTooLarge(headJson, stored, size);
    let items = '';
    for (let i = 0; i < stored.length; i++) items += (i === 0 ? headJson : ',' + headJson) + stored[i]!.slice(1);
    return `[${items}]`;
  }
}

function pageTooLarge(headJson: string, stored: readonly string[], size: number): AppError {
  let fit = 0;
  for (let total = 0; fit < stored.length && (total += headJson.length + stored[fit]!.length) <= MAX_RESPONSE_BYTES;)
    fit++;
  const ask = fit > 0 ? `ask for at most ${fit} at a time` : 'its first item alone is larger';
  return new AppError(
    'invalid',
    `limit: the ${stored.length} items of this page hold ${mib(size)} MiB, more than one response may carry (${mib(MAX_RESPONSE_BYTES)} MiB); ${ask}.`,
  );
}
