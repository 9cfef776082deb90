import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { build } from 'esbuild';

/**
 * npm run build: the program as one CommonJS bundle (dist/versionary.cjs) and the command that
 * loads it with a V8 code cache (dist/cli.js, see src/launcher.ts); then the cache is written for
 * `node dist/cli.js` and for the command's own shebang flags.
 */
const SHEBANG = '#!/usr/bin/env -S node --max-semi-space-size=4';
const common = { bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning' };

for (const f of fs.existsSync('dist') ? fs.readdirSync('dist') : []) {
  if (f.endsWith('.cache') || f.endsWith('.tmp')) fs.rmSync(`dist/${f}`);
}
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/versionary.cjs',
  format: 'cjs',
  sourcemap: true,
  external: ['better-sqlite3', 'pg', 'pg-native', '@scalar/fastify-api-reference'],
  // import() becomes require(), which loads an ES module too (Node 20.19, 22.12): the command
  // runs the bundle from a code cache, where import() fails in Node 20.
  supported: { 'dynamic-import': false },
  // ES modules are strict; the bundle keeps them so.
  banner: { js: '"use strict";' },
  define: {
    'import.meta.dirname': '__dirname',
    'import.meta.filename': '__filename',
  },
});
await build({
  ...common,
  entryPoints: ['src/launcher.ts'],
  outfile: 'dist/cli.js',
  format: 'esm',
  banner: { js: SHEBANG },
});
fs.chmodSync('dist/cli.js', 0o755);
// The console's browser bundle (src/console/routes.ts serves it): Preact, no CDN.
await build({
  entryPoints: { console: 'console/main.tsx' },
  outdir: 'dist/console',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['dist/cli.js', '--help'], { stdio: 'ignore' });
try {
  execFileSync('dist/cli.js', ['--help'], { stdio: 'ignore' });
} catch {
  // no `node` on PATH for the shebang: the first run through it writes that cache instead
}
