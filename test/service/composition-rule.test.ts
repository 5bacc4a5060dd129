import path from 'node:path';
import { expect, it } from 'vitest';
import { checkComposition, findStrayConstructions } from '../../scripts/check-composition.js';

/** The rule `npm run depcheck` enforces: only the composition factory constructs the services. */

it('finds no service constructed outside the composition factory in this repository', () => {
  expect(checkComposition(path.resolve(import.meta.dirname, '../..'))).toEqual([]);
});

it('reports service factories called outside src/service/, and allows the factory, types and other calls', () => {
  const text = [
    'const orders = createOrders({ queries, importer });',
    'const store = await openStore(config.database);',
    'const x = deps.createOrders();',
    'const table = createTable(rows);',
    'type T = ReturnType<typeof createOrders>;',
  ].join('\n');
  expect(findStrayConstructions('src/web/routes/orders.tsx', text).map((s) => [s.line, s.name])).toEqual([
    [1, 'createOrders'],
    [2, 'openStore'],
  ]);
  expect(findStrayConstructions('src/service/compose.ts', text)).toEqual([]);
  // `sellerlink migrate` opens the database to run migrations, and nothing else.
  expect(findStrayConstructions('src/store/upgrade.ts', text).map((s) => s.name)).toEqual(['createOrders']);
});
