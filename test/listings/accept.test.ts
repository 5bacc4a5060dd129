import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/kernel/errors.js';
import { acceptChange, chooseMarketplace } from '../../src/listings/outbox-accept.js';

const US = 'ATVPDKIKX0DER';
const CA = 'A2EUQ1WTGCTBG2';
const DE = 'A1PA6795UKMFR9';
const patch = {
  productType: 'SHIRT',
  patches: [{ op: 'replace', path: '/attributes/item_name', value: [] }],
};

function refusal(run: () => unknown): { field: string | undefined; message: string } {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('accepting a listing change', () => {
  it("sends to the named marketplace if the seller sells there, else to the connection's first", () => {
    const connection = { marketplaceIds: [US, CA] };
    expect(chooseMarketplace(connection, { sku: 'a', kind: 'delete' })).toBe(US);
    expect(chooseMarketplace(connection, { sku: 'a', kind: 'delete', marketplaceId: '' })).toBe(US);
    expect(chooseMarketplace(connection, { sku: 'a', kind: 'delete', marketplaceId: CA })).toBe(CA);
    expect(
      refusal(() => chooseMarketplace(connection, { sku: 'a', kind: 'delete', marketplaceId: DE })),
    ).toEqual({
      field: 'marketplaceId',
      message: `marketplaceId: the seller does not sell in ${DE} (marketplaces: ${US}, ${CA})`,
    });
    // Marketplaces not known yet: a named one is taken, none named is refused.
    expect(chooseMarketplace({ marketplaceIds: [] }, { sku: 'a', kind: 'delete', marketplaceId: DE })).toBe(
      DE,
    );
    expect(refusal(() => chooseMarketplace({ marketplaceIds: [] }, { sku: 'a', kind: 'delete' })).field).toBe(
      'marketplaceId',
    );
  });

  it('previews puts and patches only, and names a preview that is not true or false', () => {
    const connection = { marketplaceIds: [US] };
    expect(acceptChange(connection, { sku: 'a', kind: 'patch', body: patch, preview: true })).toMatchObject({
      sku: 'a',
      kind: 'patch',
      preview: true,
      marketplaceId: US,
    });
    expect(acceptChange(connection, { sku: 'a', kind: 'delete' })).toMatchObject({ preview: false });
    expect(refusal(() => acceptChange(connection, { sku: 'a', kind: 'delete', preview: true })).field).toBe(
      'preview',
    );
    const notBoolean = { sku: 'a', kind: 'patch', body: patch, preview: 'yes' as unknown as boolean };
    expect(refusal(() => acceptChange(connection, notBoolean))).toEqual({
      field: 'preview',
      message: 'preview: must be true or false',
    });
  });
});
