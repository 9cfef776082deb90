/**
 * Imports an ES module on demand. Run by the installed command (src/launcher.ts), the program's
 * code may come from a V8 code cache, where import() fails in Node 20; the launcher then lends
 * its own import().
 */
export function importEsm<T>(specifier: string, direct: () => Promise<T>): Promise<T> {
  const viaLauncher = (globalThis as Record<symbol, unknown>)[Symbol.for('versionary.import')] as
    ((s: string) => Promise<T>) | undefined;
  return viaLauncher ? viaLauncher(specifier) : direct();
}
