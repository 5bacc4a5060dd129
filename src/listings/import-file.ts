import { ValidationError } from '../kernel/errors.js';
import {
  describeProblem,
  findTextProblem,
  jsonNestingExceeds,
  parseJsonSafely,
  textProblem,
} from '../kernel/input.js';
import type { ChangeInput } from './outbox.js';
import { quickEditPatch } from './quick-edit.js';

/**
 * Listing changes from a file (`sellerlink listings import FILE`), JSON or CSV, into outbox inputs.
 * The outbox checks each change; this module only reads the file's shape, naming the record at fault.
 *
 * JSON: an array (or `{"changes": [...]}`) of
 *   `{"sku", "kind": "put"|"patch"|"delete", "body": {...}, "marketplaceId"?, "preview"?}`, or the
 *   flat form `{"sku", "productType", "requirements"?, "attributes"}` (put) /
 *   `{"sku", "productType", "patches"}` (patch) / `{"sku", "kind": "delete"}`.
 * CSV: a header row with `sku` and any of `kind`, `productType`, `requirements`, `attributes` (JSON),
 *   `patches` (JSON), `price`, `quantity`, `marketplaceId`, `preview` (true/false). A row with only
 *   price and/or quantity is a quick edit (a PATCH of purchasable_offer / fulfillment_availability).
 */
export function parseChangesFile(
  text: string,
  format: 'json' | 'csv',
  defaults: { marketplaceId: string },
): ChangeInput[] {
  const problem = textProblem(text);
  if (problem) throw new ValidationError(`file: ${describeProblem(problem)}`, 'file');
  return format === 'json' ? fromJson(text) : fromCsv(text, defaults);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromJson(text: string): ChangeInput[] {
  if (jsonNestingExceeds(text)) throw new ValidationError(`file: ${describeProblem('TOO_DEEP')}`, 'file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`file: not valid JSON (${(err as Error).message})`, 'file');
  }
  const found = findTextProblem(parsed);
  if (found) throw new ValidationError(`file: ${found.path} ${describeProblem(found.problem)}`, 'file');
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? parsed.changes : undefined;
  if (!Array.isArray(list))
    throw new ValidationError('file: expected an array of changes or {"changes": [...]}', 'file');
  return list.map((raw: unknown, i) => {
    if (!isObject(raw)) throw new ValidationError(`changes[${i}]: must be an object`, `changes[${i}]`);
    return flatToInput(raw);
  });
}

function flatToInput(raw: Record<string, unknown>): ChangeInput {
  const extra = {
    ...(raw.marketplaceId === undefined ? {} : { marketplaceId: raw.marketplaceId }),
    ...(raw.preview === undefined ? {} : { preview: raw.preview as boolean }),
  };
  if (raw.body !== undefined || raw.kind === 'delete')
    return { sku: raw.sku, kind: raw.kind, body: raw.body, ...extra };
  const kind = raw.kind ?? (raw.patches !== undefined ? 'patch' : 'put');
  const body =
    kind === 'patch'
      ? { productType: raw.productType, patches: raw.patches }
      : {
          productType: raw.productType,
          ...(raw.requirements === undefined ? {} : { requirements: raw.requirements }),
          attributes: raw.attributes,
        };
  return { sku: raw.sku, kind, body, ...extra };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const src = text.replace(/^\uFEFF/, '');
  while (i < src.length) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      if (ch === '\r' && src[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (quoted) throw new ValidationError('file: a quoted CSV field is not closed', 'file');
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

const CSV_COLUMNS = [
  'sku',
  'kind',
  'productType',
  'requirements',
  'attributes',
  'patches',
  'price',
  'quantity',
  'marketplaceId',
  'preview',
];

function fromCsv(text: string, defaults: { marketplaceId: string }): ChangeInput[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new ValidationError('file: the CSV file is empty', 'file');
  const columns = header.map((h) => h.trim());
  for (const c of columns)
    if (!CSV_COLUMNS.includes(c))
      throw new ValidationError(
        `file: unknown CSV column '${c}' (columns: ${CSV_COLUMNS.join(', ')})`,
        'file',
      );
  if (!columns.includes('sku'))
    throw new ValidationError("file: the CSV header needs a 'sku' column", 'file');
  return rows.map((cells, r) => {
    const line = r + 2;
    const get = (name: string): string | undefined => {
      const i = columns.indexOf(name);
      const v = i < 0 ? undefined : cells[i]?.trim();
      return v === '' ? undefined : v;
    };
    const json = (name: string): unknown => {
      const v = get(name);
      if (v === undefined) return undefined;
      const safe = parseJsonSafely(v);
      if (safe.ok) return safe.value;
      const what = safe.problem === 'INVALID_JSON' ? 'is not valid JSON' : describeProblem(safe.problem);
      throw new ValidationError(`line ${line}: column '${name}' ${what}`, `line ${line}.${name}`);
    };
    const preview = get('preview');
    if (preview !== undefined && !['true', 'false'].includes(preview.toLowerCase()))
      throw new ValidationError(
        `line ${line}: column 'preview' must be true or false`,
        `line ${line}.preview`,
      );
    const marketplaceId = get('marketplaceId');
    const extra = {
      ...(marketplaceId === undefined ? {} : { marketplaceId }),
      ...(preview === undefined ? {} : { preview: preview.toLowerCase() === 'true' }),
    };
    const kind = get('kind');
    const attributes = json('attributes');
    const patches = json('patches');
    const price = get('price');
    const quantity = get('quantity');
    if (kind === 'delete') return { sku: get('sku'), kind, ...extra };
    if (
      attributes === undefined &&
      patches === undefined &&
      (price !== undefined || quantity !== undefined)
    ) {
      try {
        const body = quickEditPatch({
          productType: get('productType') ?? 'PRODUCT',
          marketplaceId: marketplaceId ?? defaults.marketplaceId,
          price,
          quantity,
        });
        return { sku: get('sku'), kind: 'patch', body, ...extra };
      } catch (err) {
        if (err instanceof ValidationError)
          throw new ValidationError(`line ${line}: ${err.message}`, `line ${line}.${err.field ?? ''}`);
        throw err;
      }
    }
    return flatToInput({
      sku: get('sku'),
      ...(kind === undefined ? {} : { kind }),
      productType: get('productType'),
      ...(get('requirements') === undefined ? {} : { requirements: get('requirements') }),
      ...(attributes === undefined ? {} : { attributes }),
      ...(patches === undefined ? {} : { patches }),
      ...extra,
    });
  });
}
