import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A TypeScript source file under a folder: its repo-relative path (forward slashes) and text. */
export interface SourceFile {
  file: string;
  full: string;
  text: string;
}

/** Every `.ts`/`.tsx` file under `root/dir`, for the checks `npm run depcheck` runs. */
export function sourceFiles(root: string, dir = 'src'): SourceFile[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) return walk(full);
      return /\.tsx?$/.test(entry.name) ? [full] : [];
    });
  return walk(path.join(root, dir)).map((full) => ({
    full,
    file: path.relative(root, full).split(path.sep).join('/'),
    text: readFileSync(full, 'utf8'),
  }));
}
