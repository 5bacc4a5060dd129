/**
 * The folder table of docs/architecture.md, generated from the code so it cannot drift: every
 * folder under `src/` (and the root files) with what it holds (FOLDERS below) and the folders it
 * really imports, read from the sources' import statements (values and types).
 *
 *   node bin/sellerlink-dev.js scripts/architecture.ts          # check (CI, via npm run depcheck)
 *   node bin/sellerlink-dev.js scripts/architecture.ts --write  # rewrite the table in the doc
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { sourceFiles } from './source-files.js';

/** What each folder holds (the part of the table people write). A new folder must be added here. */
export const FOLDERS: Readonly<Record<string, string>> = {
  'src/kernel/': 'clock, randomness, errors, `Secret`, logger type, input checks, opaque bearer values',
  'src/config/': 'environment → frozen typed `Config` (zod)',
  'src/store/':
    'Kysely setup, the PGlite and PostgreSQL dialects, migrations, the data-directory lock, the rate limiter’s bucket storage',
  'src/vault/': 'envelope encryption (AES-256-GCM, key id per row), key ring, sandbox key file',
  'src/jobs/': 'pg-boss wiring and job timing',
  'src/events/': 'the event log every context appends to (`recordEvent`)',
  'src/amazon/':
    'the Amazon protocol layer: one request builder and response processor per SP-API and LWA operation, the SP-API client (rate limiter, retries, deadline), consent URLs, regions, usage plans; no storage',
  'src/amazon/generated/': 'types generated from `spapi-models/`',
  'src/accounts/': 'users, sessions, sign-in throttling, API keys',
  'src/lifecycle/':
    'the only writer of `connections` and `applications`: transitions with their events in one transaction, the derived health, application rotation state ([lifecycle.md](lifecycle.md))',
  'src/broker/':
    'the token broker: access tokens minted from sealed refresh tokens, cached sealed, single-flight across processes; refresh-token sealing and re-sealing',
  'src/connections/':
    'connect per region (OAuth state, callback, Amazon-initiated flow), seller claims, disconnect, self-authorized import, the audit log',
  'src/connect/':
    'connect links for the vendor’s software: one-time sessions (API), the seller’s pages’ steps, renew links in reminders',
  'src/orders/': 'order import (watermark walk, per-page commits, resumable), backfill, reads',
  'src/analytics/':
    'sales and traffic per connection, marketplace and day (Reports API, resumable), settlement reports, reads',
  'src/ads/':
    'Amazon Ads connections’ advertising profiles (listed on the three Ads hosts, matched to seller connections), access tokens and the paced Ads API proxy ([ads.md](ads.md))',
  'src/listings/': 'listings outbox: accept, drain per connection in order, read back, results',
  'src/monitor/': 'expiry monitor, health probe, client-secret rotation, the sandbox toolbar’s passes',
  'src/notify/': 'e-mail, signed webhooks (public addresses only), banners, sandbox mail catcher',
  'src/api/':
    'the REST API for the vendor’s software (Hono + zod-openapi): routes, schemas, error mapping, the SP-API proxy',
  'src/client/':
    'the typed REST API client (openapi-fetch over generated types), shipped as sellerlink/client',
  'src/web/': 'the portal (Hono JSX pages and forms), input guard, sessions, CSP',
  'src/cli/': 'the `sellerlink` commands (commander), loaded lazily per command',
  'src/simulator/':
    'the fake Amazon (LWA, SP-API, Seller Central, controls); imports nothing of Sellerlink but the kernel',
  'src/service/':
    'the composition factory (`composeSellerlink`): builds every process’s object graph from `Config` + overrides; the Amazon layer’s assembly with the lifecycle and broker (`amazon.ts`), sandbox set-up, workers, web app, shutdown',
  'src/': 'root files: `main.ts` (`startService`: compose, then listen), logging, metrics',
};

/** The folder a repo-relative source file belongs to (the deepest listed folder containing it). */
function folderOf(file: string): string {
  const candidates = Object.keys(FOLDERS).filter((f) => file.startsWith(f));
  candidates.sort((a, b) => b.length - a.length);
  const found = candidates[0];
  if (!found) throw new Error(`${file}: its folder is not described in scripts/architecture.ts FOLDERS`);
  // Root files: only files directly in src/.
  if (found === 'src/' && file.slice(4).includes('/'))
    throw new Error(`${path.dirname(file)}/: not described in scripts/architecture.ts FOLDERS`);
  return found;
}

/** Folder → the other folders it imports (relative imports of its source files). */
export function folderDependencies(root: string): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>(Object.keys(FOLDERS).map((f) => [f, new Set<string>()]));
  for (const { file, full, text } of sourceFiles(root)) {
    const from = folderOf(file);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const specifiers: string[] = [];
    source.forEachChild((node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
        specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    });
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        if (arg && ts.isStringLiteral(arg)) specifiers.push(arg.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const spec of specifiers.filter((s) => s.startsWith('.'))) {
      const target = path
        .relative(root, path.resolve(path.dirname(full), spec))
        .split(path.sep)
        .join('/');
      const to = folderOf(target);
      if (to !== from) deps.get(from)!.add(to);
    }
  }
  return deps;
}

const name = (folder: string): string => (folder === 'src/' ? 'src/*.ts' : folder.slice(4, -1));

/** The markdown table: folder, what it holds, what it imports. */
export function architectureTable(root: string): string {
  const deps = folderDependencies(root);
  const rows = Object.entries(FOLDERS).map(([folder, holds]) => {
    const imports = [...deps.get(folder)!].map(name).sort();
    return [
      `\`${folder === 'src/' ? 'src/*.ts' : folder}\``,
      holds,
      imports.length ? imports.join(', ') : 'nothing',
    ];
  });
  const lines = [
    '| folder | what it holds | imports (generated from the code) |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}

const START =
  '<!-- folders:start (generated by scripts/architecture.ts --write; checked by npm run depcheck) -->';
const END = '<!-- folders:end -->';

/** The doc with its generated table replaced by the current one. */
export function withTable(doc: string, table: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/architecture.md: the markers ${START} … ${END} are missing`);
  return `${doc.slice(0, a + START.length)}\n\n${table}\n\n${doc.slice(b)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.cwd();
  const file = path.join(root, 'docs/architecture.md');
  const doc = readFileSync(file, 'utf8');
  const table = architectureTable(root);
  const wanted = withTable(doc, table);
  if (process.argv.includes('--write')) {
    writeFileSync(file, wanted);
    console.log('docs/architecture.md: folder table written');
  } else if (normalize(doc) !== normalize(wanted)) {
    console.error(
      'docs/architecture.md: the folder table is out of date; run node bin/sellerlink-dev.js scripts/architecture.ts --write',
    );
    process.exit(1);
  } else console.log('docs/architecture.md: the folder table matches the code');
}

/** Prettier may realign the table's columns: compare cells, not padding. */
function normalize(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.startsWith('|') ? line.replace(/\s*\|\s*/g, '|').replace(/-{3,}/g, '---') : line))
    .join('\n');
}
