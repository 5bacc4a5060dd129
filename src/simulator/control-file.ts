import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The control file: where a running simulator tells other local processes how to reach its controls.
 * `<dataDir>/simulator-control.json`, mode 0600 (it holds the control token), written when the
 * simulator listens and removed when it stops. The CLI (`sellerlink sim`) reads it for the URL and the
 * token; a sandbox `worker` reads it to join the simulator (and mail catcher) of the `web` process.
 */

export const CONTROL_FILE_NAME = 'simulator-control.json';

/** What the control file holds. */
export interface ControlFile {
  /** The simulator's base URL. */
  url: string;
  /** The control token (secret). */
  token: string;
  /** Sandbox mode: the mail catcher's `smtp://host:port`, when the web process runs one. */
  mailCatcherUrl?: string;
}

/** The control file's path in a data directory. */
export function controlFilePath(dataDir: string): string {
  return join(dataDir, CONTROL_FILE_NAME);
}

/** Writes the control file atomically with mode 0600 (a temp file, then a rename). */
export function writeControlFile(dataDir: string, info: ControlFile): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = controlFilePath(dataDir);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    rmSync(temp, { force: true });
    writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Reads the control file; null when there is none. Throws naming the file when it is unreadable. */
export function readControlFile(dataDir: string): ControlFile | null {
  const path = controlFilePath(dataDir);
  if (!existsSync(path)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`the simulator control file ${path} is not valid JSON`, { cause: err });
  }
  const file = data as Partial<ControlFile> | null;
  if (typeof file?.url !== 'string' || typeof file.token !== 'string') {
    throw new Error(`the simulator control file ${path} has no url and token`);
  }
  return {
    url: file.url,
    token: file.token,
    ...(typeof file.mailCatcherUrl === 'string' ? { mailCatcherUrl: file.mailCatcherUrl } : {}),
  };
}

/** Removes the control file if it still describes this token's simulator (another may have replaced it). */
export function removeControlFile(dataDir: string, token: string): void {
  try {
    if (readControlFile(dataDir)?.token === token) rmSync(controlFilePath(dataDir), { force: true });
  } catch {
    // An unreadable file is not ours to delete.
  }
}
