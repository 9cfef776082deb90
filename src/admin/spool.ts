import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const FLUSH_AT = 1 << 20;
const STALE_MS = 24 * 3600 * 1000;

/**
 * A new temporary directory for a snapshot (`versionary-<kind>-…`). Directories of the same kind
 * left for a day (by a process killed in mid-import or mid-export) are removed first.
 */
export async function snapshotDir(kind: 'import' | 'export'): Promise<string> {
  const prefix = `versionary-${kind}-`;
  const root = os.tmpdir();
  const names = await fs.promises.readdir(root).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const dir = path.join(root, name);
    const stat = await fs.promises.stat(dir).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > STALE_MS)
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {});
  }
  return fs.promises.mkdtemp(path.join(root, prefix));
}

/**
 * Rows of several tables kept in temporary files, one JSON line each, so that a snapshot is
 * received and checked whole before the store is touched, and then read back table by table in
 * batches whatever order the snapshot listed them in.
 */
export class Spool<T extends string> {
  private readonly pending = new Map<T, string[]>();
  private readonly files = new Map<T, fs.promises.FileHandle>();
  private pendingBytes = 0;

  private constructor(private readonly dir: string) {}

  static async open<T extends string>(): Promise<Spool<T>> {
    return new Spool<T>(await snapshotDir('import'));
  }

  /** Keeps a row in memory until the next flush. */
  add(table: T, row: unknown): void {
    const line = `${JSON.stringify(row)}\n`;
    let lines = this.pending.get(table);
    if (!lines) this.pending.set(table, (lines = []));
    lines.push(line);
    this.pendingBytes += line.length;
  }

  /** Writes the rows kept in memory once they add up to a megabyte (or always, with all). */
  async flush(all = false): Promise<void> {
    if (!all && this.pendingBytes < FLUSH_AT) return;
    for (const [table, lines] of this.pending) {
      if (lines.length === 0) continue;
      let file = this.files.get(table);
      if (!file) this.files.set(table, (file = await fs.promises.open(this.file(table), 'w')));
      await file.write(lines.join(''));
      lines.length = 0;
    }
    this.pendingBytes = 0;
  }

  /** The rows of a table, in the order they were added, size at a time. */
  async *batches<R>(table: T, size: number): AsyncGenerator<R[]> {
    await this.flush(true);
    if (!this.files.has(table)) return;
    const lines = readline.createInterface({ input: fs.createReadStream(this.file(table)), crlfDelay: Infinity });
    let batch: R[] = [];
    for await (const line of lines) {
      batch.push(JSON.parse(line) as R);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  async close(): Promise<void> {
    for (const file of this.files.values()) await file.close().catch(() => {});
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }

  private file(table: T): string {
    return path.join(this.dir, `${table}.jsonl`);
  }
}
