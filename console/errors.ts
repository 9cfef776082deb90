/** One rule a request broke, as the API names it: a JSON path such as `container_settings.image_url`. */
export interface FieldError {
  field: string;
  message: string;
}

// Field names are lower case (a later segment may be an env name or other key of a map).
const PATH = /^([a-z_][a-z0-9_]*(?:\[\d+\])*(?:\.[\w-]+(?:\[\d+\])*)*) /;

/**
 * The fields an API error message names. The families answer "<what went wrong>. <field> <rule>;
 * <field> <rule>…" (one envelope sentence, then every failing field); a message that names no field
 * gives none.
 */
export function fieldErrors(message: string): FieldError[] {
  const start = message.indexOf('. ');
  if (start < 0) return [];
  const found: FieldError[] = [];
  for (const part of message.slice(start + 2).split('; ')) {
    const m = PATH.exec(part);
    if (m) found.push({ field: m[1]!, message: part });
  }
  return found;
}

/** The errors about `field` itself or anything inside it. */
export function errorsAt(errors: FieldError[], field: string): FieldError[] {
  return errors.filter((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`));
}
