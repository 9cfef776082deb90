import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HEADING = '## Use it in your tests';
const readme = fs.readFileSync(`${ROOT}README.md`, 'utf8');
const example = fs.readFileSync(`${ROOT}test/kit/readme-example.test.ts`, 'utf8');

describe("the README's test kit section", () => {
  // The section quotes test/kit/readme-example.test.ts, which runs as a test of its own.
  it.skipIf(!readme.includes(HEADING))('quotes the example test verbatim as its first TypeScript block', () => {
    const section = readme.slice(readme.indexOf(HEADING), readme.indexOf('\n## ', readme.indexOf(HEADING) + 1));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(example);
  });
});
