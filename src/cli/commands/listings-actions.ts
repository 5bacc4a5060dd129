import { readFileSync } from 'node:fs';
import { ValidationError } from '../../kernel/errors.js';
import { parseChangesFile } from '../../listings/import-file.js';
import type { ListingChange } from '../../listings/model.js';
import { CliInputError, formatTime, withCliContext } from '../context.js';
import { table } from '../table.js';

/** What runs for `listings ...` (registered in listings.ts). */

function changeJson(c: ListingChange): Record<string, unknown> {
  return {
    ...c,
    createdAt: c.createdAt.toISOString(),
    sentAt: c.sentAt?.toISOString() ?? null,
    finishedAt: c.finishedAt?.toISOString() ?? null,
  };
}

function changeRows(changes: ListingChange[]): string[][] {
  return changes.map((c) => [
    c.id,
    c.sku,
    c.kind + (c.preview ? ' (preview)' : ''),
    c.stateLabel,
    c.amazonStatus ?? '—',
    c.issues.length === 0 ? '—' : c.issues.map((i) => `${i.code} ${i.message}`).join('; '),
    formatTime(c.createdAt),
  ]);
}

const HEADERS = ['change', 'sku', 'kind', 'state', 'amazon', 'issues', 'queued'];

/** `listings import <file>`: all the file's changes are queued, or none. */
export async function importListings(
  file: string,
  options: { connection: string; format?: string; json?: boolean },
): Promise<void> {
  const format = options.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
  if (format !== 'json' && format !== 'csv') throw new CliInputError('--format: must be json or csv');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliInputError(`<file>: cannot read ${file} (${(err as Error).message})`);
  }
  await withCliContext(async (ctx) => {
    const connection = await ctx.connections.get(ctx.viewer, options.connection);
    try {
      const inputs = parseChangesFile(text, format, {
        marketplaceId: connection.marketplaceIds[0] ?? '',
      });
      const queued = await ctx.listings.submitMany(ctx.viewer, connection.id, inputs, {
        source: 'cli',
        actor: 'cli',
      });
      if (options.json) {
        console.log(JSON.stringify(queued.map(changeJson), null, 2));
        return;
      }
      console.log(table(HEADERS, changeRows(queued)));
      const waiting = queued.filter((c) => c.state === 'waiting').length;
      console.log(
        `Queued ${queued.length} change${queued.length === 1 ? '' : 's'}` +
          (waiting > 0
            ? ` (${waiting} waiting for the connection: the connection cannot call Amazon now)`
            : '') +
          '. The service sends them; follow with: sellerlink listings list --connection ' +
          connection.id,
      );
    } catch (err) {
      if (err instanceof ValidationError) {
        const hint =
          format === 'csv' && /^changes\[(\d+)\]/.test(err.message) ? ` (changes[i] is CSV line i + 2)` : '';
        throw new CliInputError(`${file}: ${err.message}${hint}. Nothing was queued.`);
      }
      throw err;
    }
  });
}

/** `listings list`. */
export async function listListingChanges(options: {
  connection: string;
  state?: string;
  limit?: number;
  json?: boolean;
}): Promise<void> {
  await withCliContext(async (ctx) => {
    const changes = await ctx.listings.recent(ctx.viewer, options.connection, {
      ...(options.state ? { state: options.state } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    if (options.json) console.log(JSON.stringify(changes.map(changeJson), null, 2));
    else if (changes.length === 0) console.log('No listing changes.');
    else console.log(table(HEADERS, changeRows(changes)));
  });
}

/** `listings history <sku>`. */
export async function listingHistory(
  sku: string,
  options: { connection: string; json?: boolean },
): Promise<void> {
  await withCliContext(async (ctx) => {
    const changes = await ctx.listings.history(ctx.viewer, options.connection, sku);
    if (options.json) console.log(JSON.stringify(changes.map(changeJson), null, 2));
    else if (changes.length === 0) console.log(`No changes to ${sku}.`);
    else console.log(table(HEADERS, changeRows(changes)));
  });
}

/** `listings show <change-id>`. */
export async function showListingChange(changeId: string): Promise<void> {
  await withCliContext(async (ctx) => {
    console.log(JSON.stringify(changeJson(await ctx.listings.get(ctx.viewer, changeId)), null, 2));
  });
}
