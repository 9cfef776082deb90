import crypto from 'node:crypto';
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Runs a bundled CommonJS file as Node would, but from a V8 code cache beside it, and answers its
 * exports. The cache is keyed by the bundle's content, the Node version and the V8 flags in use
 * (V8 refuses a cache made under other flags). A missing or refused one is written once the
 * program has run a second, or at exit, so that it holds the functions the start compiled.
 * Writing is best effort: a read-only install runs uncached. Code restored from a cache cannot run
 * import() in Node 20, so the bundles have none (scripts/build.mjs).
 */
export function runCached(file: string): unknown {
  const dir = path.dirname(file);
  const source = fs.readFileSync(file, 'utf8');
  const key = crypto
    .createHash('sha256')
    .update([process.version, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? '', ''].join('\0'))
    .update(source)
    .digest('hex')
    .slice(0, 16);
  const cacheFile = path.join(dir, `${path.basename(file, '.cjs')}.${key}.cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    };
    setTimeout(write, 1000).unref();
    process.once('exit', write);
  }
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dir);
  return module.exports;
}
