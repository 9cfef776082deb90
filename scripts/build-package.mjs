import fs from 'node:fs';
import { build } from 'esbuild';
import ts from 'typescript';

/**
 * The package's programmatic API (`import { startVersionary } from 'versionary'`, src/index.ts):
 * one CommonJS bundle (dist/kit.cjs), run from a code cache by dist/index.cjs (src/package.ts), an
 * ES module that re-exports it (dist/index.mjs), and their types, made from src/kit/types.ts, which
 * imports nothing (dist/index.d.ts and dist/index.d.cts).
 */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  logLevel: 'warning',
  define: { 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
};
await build({
  ...common,
  entryPoints: ['src/package.ts'],
  outfile: 'dist/index.cjs',
});
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/kit.cjs',
  external: ['better-sqlite3', 'pg', 'pg-native', '@scalar/fastify-api-reference'],
  // Code restored from a code cache cannot run import() in Node 20.
  supported: { 'dynamic-import': false },
  banner: { js: '"use strict";' },
});
fs.writeFileSync(
  'dist/index.mjs',
  "import kit from './index.cjs';\n\nexport const startVersionary = kit.startVersionary;\n",
);
const { outputText, diagnostics } = ts.transpileDeclaration(fs.readFileSync('src/kit/types.ts', 'utf8'), {
  fileName: 'types.ts',
  compilerOptions: { declaration: true, emitDeclarationOnly: true, isolatedDeclarations: true },
  reportDiagnostics: true,
});
if (diagnostics?.length) throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})));
const types = `${outputText}\n/** Starts a Versionary server in this process. */\nexport declare const startVersionary: StartVersionary;\n`;
fs.writeFileSync('dist/index.d.ts', types);
fs.writeFileSync('dist/index.d.cts', types);
