import fs from 'node:fs';
import path from 'node:path';

/** The package's root folder, found from this module whether it runs from src/, dist/ or a bundle. */
export function packageRoot(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'versionary')
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the versionary package root');
    dir = up;
  }
}
