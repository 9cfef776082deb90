import semver from 'semver';

/** Semantic Versioning 2.0.0, exactly as written: no leading "v" or "=", no spaces. */
export function isSemver(value: string): boolean {
  const p = semver.parse(value);
  return p !== null && p.version + (p.build.length ? `+${p.build.join('.')}` : '') === value;
}

/** Custom JSON Schema formats known to every validator, with what each means for error messages. */
export const FORMATS: Record<string, { check: (value: string) => boolean; rule: string }> = {
  semver: { check: isSemver, rule: 'a Semantic Version 2.0.0 such as 1.0.0 or 2.1.0-rc.1+build.5' },
};
