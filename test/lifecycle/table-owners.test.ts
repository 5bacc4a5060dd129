import path from 'node:path';
import { expect, it } from 'vitest';
import { checkTableOwners, findTableWrites } from '../../scripts/check-table-owners.js';

/** The rule `npm run depcheck` enforces: only src/lifecycle/ writes connections and applications. */

it('finds no write to connections or applications outside src/lifecycle/ in this repository', () => {
  expect(checkTableOwners(path.resolve(import.meta.dirname, '../..'))).toEqual([]);
});

it('reports Kysely and raw-SQL writes outside the lifecycle module, and allows reads and the owner', () => {
  const text = [
    "db.updateTable('connections').set({ state: 'active' }).execute();",
    "trx.insertInto('applications').values(v).execute();",
    "db.deleteFrom('connections as c').execute();",
    'sql`update connections set state = ${s}`.execute(db);',
    "db.selectFrom('connections').selectAll().execute();",
    "db.updateTable('listing_changes').set({}).execute();",
  ].join('\n');
  const found = findTableWrites('src/monitor/example.ts', text);
  expect(found.map((w) => [w.line, w.table])).toEqual([
    [1, 'connections'],
    [2, 'applications'],
    [3, 'connections'],
    [4, 'connections'],
  ]);
  expect(findTableWrites('src/lifecycle/connections.ts', text)).toEqual([]);
  expect(findTableWrites('src/store/migrations/0099_x.ts', text)).toEqual([]);
});
