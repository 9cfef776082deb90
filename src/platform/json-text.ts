import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * A response body already serialized by its response schema's serializer (a cache derived from
 * stored data, made when the data was written). Routes return it like any value of type T; the
 * serializer sends its text as it is.
 */
export class JsonText<T> {
  declare private readonly type: T;

  constructor(readonly text: string) {}
}

/** The type a route declares for a body that may come as JsonText. */
export type Body<T> = T | JsonText<T>;

/**
 * The response schema of a route that may answer with JsonText: the same schema, whose type lets
 * the handler return Body<T>.
 */
export const orJsonText = <S extends TSchema>(schema: S): TUnsafe<Body<Static<S>>> =>
  Type.Unsafe<Body<Static<S>>>(schema);
