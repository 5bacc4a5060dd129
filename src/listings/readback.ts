import type { SpApiClient } from '../amazon/client-types.js';
import { getListingsItemRequest, processGetListingsItem } from '../amazon/operations.js';
import type { PatchBody, PutBody } from './validate.js';

/**
 * The read-back rule for a change whose send may have reached Amazon without Sellerlink recording
 * the answer (the worker died, or the call timed out): the listing as getListingsItem returns it
 * (`includedData=attributes`, the change's marketplace) either already shows the change, and it is
 * not sent again, or it does not, and it is sent.
 *
 * "Shows the change" (values compared without `marketplace_id`, keys in any order):
 * - delete: Amazon answers 404 for the SKU;
 * - put: every attribute of the body has exactly the submitted values;
 * - patch: for each attribute, its last patch holds: add/replace → exactly those values;
 *   merge → every submitted entry's fields are found in one live entry; delete without value →
 *   the attribute is gone; delete with values → no live entry matches any of them.
 */
export type LiveAttributes = Record<string, unknown>;

/**
 * The live attributes of a SKU in one marketplace (getListingsItem with its attributes), or null
 * when Amazon has no such SKU there.
 */
export async function readListing(
  spApi: SpApiClient,
  connectionId: string,
  sellerId: string,
  sku: string,
  marketplaceId: string,
): Promise<LiveAttributes | null> {
  const request = getListingsItemRequest({ sellerId, sku, marketplaceId }, ['attributes']);
  const item = await processGetListingsItem(spApi.call(connectionId, request));
  return item ? item.attributes : null;
}

type Entry = Record<string, unknown>;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => k !== 'marketplace_id' && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function entriesOf(live: LiveAttributes, name: string): Entry[] {
  const value = live[name];
  return Array.isArray(value)
    ? value.filter((e): e is Entry => typeof e === 'object' && e !== null && !Array.isArray(e))
    : [];
}

const sameEntries = (a: readonly Entry[], b: readonly Entry[]): boolean => canonical(a) === canonical(b);

/** Whether `live` has every field of `wanted` with the same value (marketplace_id aside). */
function contains(live: Entry, wanted: Entry): boolean {
  return Object.entries(wanted).every(
    ([k, v]) => k === 'marketplace_id' || canonical(live[k]) === canonical(v),
  );
}

/** Whether the listing (null: Amazon has no such SKU in the marketplace) already shows the change. */
export function listingShowsChange(
  change:
    { kind: 'put'; body: PutBody } | { kind: 'patch'; body: PatchBody } | { kind: 'delete'; body: null },
  live: LiveAttributes | null,
): boolean {
  if (change.kind === 'delete') return live === null;
  if (live === null) return false;
  if (change.kind === 'put') {
    return Object.entries(change.body.attributes).every(([name, values]) =>
      sameEntries(entriesOf(live, name), values),
    );
  }
  const last = new Map<string, PatchBody['patches'][number]>();
  for (const patch of change.body.patches) last.set(patch.path.replace(/^\/attributes\//, ''), patch);
  return [...last.entries()].every(([name, patch]) => {
    const current = entriesOf(live, name);
    switch (patch.op) {
      case 'add':
      case 'replace':
        return sameEntries(current, patch.value ?? []);
      case 'merge':
        return (patch.value ?? []).every((wanted) => current.some((e) => contains(e, wanted)));
      case 'delete':
        return patch.value === undefined
          ? current.length === 0
          : !current.some((e) => patch.value!.some((selector) => contains(e, selector)));
    }
  });
}
