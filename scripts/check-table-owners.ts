/**
 * Dependency rule beyond imports (run by `npm run depcheck`): the `connections` and `applications`
 * tables have one writer, the lifecycle module (`src/lifecycle/`), which records each transition's
 * event in the same transaction; `connect_sessions` is written by `src/connect/` and `accounts` by
 * `src/accounts/`. Any other module under `src/` that inserts, updates or deletes those tables,
 * through Kysely or raw SQL, fails the check.
 *
 * Usage: `node bin/sellerlink-dev.js scripts/check-table-owners.ts`; exits 1 with one line per write.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { sourceFiles } from './source-files.js';

/** Tables and the one folder allowed to write each. */
export const TABLE_OWNERS: Readonly<Record<string, string>> = {
  connections: 'src/lifecycle/',
  applications: 'src/lifecycle/',
  connect_sessions: 'src/connect/',
  accounts: 'src/accounts/',
};

/** Folders whose writes are structural, not state changes (migrations create the tables). */
const EXEMPT = ['src/store/migrations/'];

const WRITE_METHODS = new Set(['insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto']);
const RAW_WRITE =
  /\b(?:update|insert\s+into|delete\s+from|merge\s+into|truncate(?:\s+table)?)\s+(?:only\s+)?"?(\w+)"?/gi;

/** One forbidden write: where, and which table. */
export interface TableWrite {
  file: string;
  line: number;
  table: string;
  how: string;
}

const tableOf = (name: string): string =>
  name
    .trim()
    .split(/\s+/)[0]!
    .replace(/^public\./, '');

/** The writes to owned tables in one source text (file is repo-relative, with forward slashes). */
export function findTableWrites(file: string, text: string): TableWrite[] {
  if (EXEMPT.some((dir) => file.startsWith(dir))) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: TableWrite[] = [];
  const report = (node: ts.Node, table: string, how: string): void => {
    const owner = TABLE_OWNERS[table];
    if (owner === undefined || file.startsWith(owner)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    found.push({ file, line, table, how });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const arg = node.arguments[0];
      if (
        WRITE_METHODS.has(method) &&
        arg &&
        (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))
      ) {
        report(node, tableOf(arg.text), `${method}('${arg.text}')`);
      }
    }
    // Raw SQL: sql`update connections ...` (template pieces) or a plain string passed to a query.
    if (
      ts.isTemplateExpression(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isStringLiteral(node)
    ) {
      const pieces = ts.isTemplateExpression(node)
        ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)]
        : [node.text];
      for (const piece of pieces) {
        for (const match of piece.matchAll(RAW_WRITE)) report(node, match[1]!.toLowerCase(), match[0]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every forbidden write under `src/` of the repository at `root`. */
export function checkTableOwners(root: string): TableWrite[] {
  return sourceFiles(root).flatMap(({ file, text }) => findTableWrites(file, text));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const writes = checkTableOwners(root);
  for (const w of writes) {
    console.error(
      `${w.file}:${w.line}: writes table '${w.table}' (${w.how}); only ${TABLE_OWNERS[w.table]} may (its transitions record their events in the same transaction)`,
    );
  }
  if (writes.length > 0) process.exit(1);
  console.log(`table owners: ${Object.keys(TABLE_OWNERS).join(', ')} are written only by their owner`);
}
