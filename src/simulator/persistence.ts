import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEmptyState, type SimState } from './state.js';

/**
 * Saves and loads the simulated world as JSON, so a demo or a long test can stop and resume.
 * Format (version 1): `{ format, version, state }`, where every Map slice of `SimState` is stored as
 * `{ "$map": [[key, value], ...] }` and every other slice as plain JSON. Slices are handled
 * generically, so new slices added to `SimState` (the Amazon Ads ones included) persist without
 * changes here; an object slice missing from an older file keeps its default.
 */

export const STATE_FILE_FORMAT = 'sellerlink-simulator-state';
export const STATE_FILE_VERSION = 1;

interface StateFile {
  format: typeof STATE_FILE_FORMAT;
  version: number;
  state: Record<string, unknown>;
}

/** The JSON form of a state (Maps as entry arrays). */
export function serializeState(state: SimState): StateFile {
  const slices: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(state)) {
    slices[name] = value instanceof Map ? { $map: [...(value as Map<unknown, unknown>).entries()] } : value;
  }
  return { format: STATE_FILE_FORMAT, version: STATE_FILE_VERSION, state: slices };
}

/** Rebuilds a state from its JSON form; throws a clear error for anything else. */
export function deserializeState(data: unknown): SimState {
  if (typeof data !== 'object' || data === null) throw new Error('state file: not a JSON object');
  const file = data as Partial<StateFile>;
  if (file.format !== STATE_FILE_FORMAT) throw new Error(`state file: format is not ${STATE_FILE_FORMAT}`);
  if (file.version !== STATE_FILE_VERSION) {
    throw new Error(
      `state file: version ${String(file.version)} is not supported (expected ${STATE_FILE_VERSION})`,
    );
  }
  if (typeof file.state !== 'object' || file.state === null) throw new Error('state file: no state object');
  const state = createEmptyState();
  const target = state as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(file.state)) {
    const empty = target[name];
    if (empty instanceof Map) {
      const entries = (value as { $map?: unknown } | null)?.$map;
      if (!Array.isArray(entries)) throw new Error(`state file: slice ${name} is not a map`);
      target[name] = new Map(entries as [unknown, unknown][]);
    } else if (Array.isArray(empty)) {
      if (!Array.isArray(value)) throw new Error(`state file: slice ${name} is not a list`);
      target[name] = value;
    } else if (typeof empty === 'object' && empty !== null) {
      // An object slice (e.g. `adsBehaviour`): as saved, over the defaults of fields added since.
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`state file: slice ${name} is not an object`);
      }
      target[name] = { ...empty, ...value };
    } else {
      // A slice this build does not know (from a newer build) or a plain value: keep it as is.
      target[name] = value;
    }
  }
  return state;
}

/** Writes the state to `path` atomically: a temp file beside it, then a rename. */
export function saveState(state: SimState, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // A fresh temp file ('wx' never follows a link left at that name), then an atomic rename.
    rmSync(temp, { force: true });
    writeFileSync(temp, JSON.stringify(serializeState(state)), { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Reads a state saved by `saveState`. */
export function loadState(path: string): SimState {
  const text = readFileSync(path, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`state file ${path}: not valid JSON`, { cause: err });
  }
  return deserializeState(data);
}

/** Replaces the contents of `target` with `source`, keeping the object every module holds. */
export function replaceState(target: SimState, source: SimState): void {
  Object.assign(target, source);
}
