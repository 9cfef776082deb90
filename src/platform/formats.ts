import semver from 'semver';

/** Semantic Versioning 2.0.0, exactly as written: no leading "v" or "=", no spaces. */
export function isSemver(value: string): boolean {
  const p = semver.parse(value);
  return p !== null && p.version + (p.build.length ? `+${p.build.join('.')}` : '') === value;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A UTC time as the server writes it (Date#toISOString): 2024-05-01T08:30:00.000Z, a real date. */
export function isTimestamp(value: string): boolean {
  if (!ISO_MS.test(value)) return false;
  const t = Date.parse(value);
  return Number.isFinite(t) && new Date(t).toISOString() === value;
}

/** Custom JSON Schema formats known to every validator, with what each means for error messages. */
export const FORMATS: Record<string, { check: (value: string) => boolean; rule: string }> = {
  timestamp: { check: isTimestamp, rule: 'a UTC time such as 2024-05-01T08:30:00.000Z' },
  semver: { check: isSemver, rule: 'a Semantic Version 2.0.0 such as 1.0.0 or 2.1.0-rc.1+build.5' },
};
