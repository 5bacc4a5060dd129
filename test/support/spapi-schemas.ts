/**
 * Test harness over Amazon's SP-API models (`spapi-models/*.json`, Swagger 2.0): finds an operation
 * (by operationId, model + operationId, or method + path), validates a response body against the
 * model's schema for that status, and lists each operation's static sandbox cases
 * (`x-amzn-api-sandbox.static`) with a request that replays them.
 *
 * Swagger 2.0 schemas are JSON Schema draft 4 plus extension keywords (`x-*`, `example`,
 * `discriminator`, `readOnly`), so validation uses ajv's draft-04 build with strict mode off;
 * formats date-time, date and uri are checked, numeric formats (double, int32, ...) are not.
 */
import { readFileSync } from 'node:fs';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

/** The vendored models, by file name without `.json`. */
export const MODEL_NAMES = [
  'orders_2026-01-01',
  'ordersV0',
  'listingsItems_2021-08-01',
  'sellers',
  'tokens_2021-03-01',
  'application_2023-11-30',
  'reports_2021-06-30',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** A Swagger 2.0 parameter as the models declare it. */
export interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'formData';
  required?: boolean;
  type?: string;
  collectionFormat?: string;
  schema?: unknown;
}

/** One `x-amzn-api-sandbox.static` entry: the parameters it matches and the canned answer. */
export interface StaticCase {
  /** Position among the operation's cases (responses in model order). */
  index: number;
  status: number;
  /** `request.parameters` as written in the model; an entry without `value` matches anything. */
  parameters: Record<string, { value?: unknown }>;
  response: unknown;
}

/** An operation of a model. */
export interface OperationInfo {
  model: ModelName;
  operationId: string;
  method: string;
  /** Path template, e.g. `/orders/v0/orders/{orderId}`. */
  path: string;
  parameters: SwaggerParameter[];
  statuses: number[];
  staticCases: StaticCase[];
}

/** An operation by its (unique) operationId, by model + operationId, or by method + path. */
export type OperationRef =
  string | { model: ModelName; operationId: string } | { method: string; path: string };

export interface ValidationResult {
  valid: boolean;
  /** `instancePath: message` lines; empty when valid. */
  errors: string[];
}

export interface ValidateOptions {
  /**
   * Also reject properties the model does not declare. Amazon's models leave objects open, so this is
   * stricter than the schema; it catches misspelt or invented fields in the simulator's bodies.
   */
  strict?: boolean;
}

/** The loaded models with lookups and validation. */
export interface SpApiSchemas {
  /** Every operation, or those of one model. */
  operations(model?: ModelName): OperationInfo[];
  /** One operation; throws with a clear message when not found or ambiguous. */
  operation(ref: OperationRef): OperationInfo;
  /** Validates a response body (parsed JSON, or undefined for none) against the schema for `status`. */
  validateResponse(
    ref: OperationRef,
    status: number,
    body: unknown,
    options?: ValidateOptions,
  ): ValidationResult;
}

/** A request that replays a static case, with required parameters the case leaves out filled in. */
export interface StaticCaseRequest {
  method: string;
  /** Path plus query string. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

interface RawOperation {
  operationId?: string;
  parameters?: SwaggerParameter[];
  responses?: Record<string, RawResponse>;
}
interface RawResponse {
  schema?: Record<string, unknown>;
  'x-amzn-api-sandbox'?: {
    static?: { request?: { parameters?: StaticCase['parameters'] }; response?: unknown }[];
  };
}
interface RawModel {
  paths: Record<string, Record<string, RawOperation>>;
  definitions?: Record<string, unknown>;
}

type AjvInstance = InstanceType<typeof Ajv04Module.default>;

const MODELS_DIR = new URL('../../spapi-models/', import.meta.url);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const schemaId = (model: ModelName, strict: boolean) =>
  `https://spapi-models.test/${strict ? 'strict/' : ''}${model}.json`;

/** Loads the models. Create once per test file; compiled validators are cached inside. */
export function loadSpApiSchemas(): SpApiSchemas {
  const models = new Map<ModelName, RawModel>();
  for (const name of MODEL_NAMES) {
    models.set(name, JSON.parse(readFileSync(new URL(`${name}.json`, MODELS_DIR), 'utf8')) as RawModel);
  }
  const all = [...models].flatMap(([model, raw]) => readOperations(model, raw));
  const ajv = createAjv(models);
  const validators = new Map<string, ValidateFunction>();

  function operation(ref: OperationRef): OperationInfo {
    if (typeof ref === 'string') {
      const found = all.filter((op) => op.operationId === ref);
      if (found.length === 1) return found[0]!;
      if (found.length === 0) throw new Error(`no model has an operation ${ref}`);
      throw new Error(
        `operationId ${ref} is in ${found.map((op) => op.model).join(' and ')}: pass { model, operationId }`,
      );
    }
    if ('operationId' in ref) {
      const found = all.find((op) => op.model === ref.model && op.operationId === ref.operationId);
      if (!found) throw new Error(`${ref.model} has no operation ${ref.operationId}`);
      return found;
    }
    const found = findByPath(all, ref.method, ref.path);
    if (!found) throw new Error(`no model has an operation ${ref.method.toUpperCase()} ${ref.path}`);
    return found;
  }

  function validator(op: OperationInfo, status: number, strict: boolean): ValidateFunction | null {
    const responses = models.get(op.model)!.paths[op.path]![op.method.toLowerCase()]!.responses ?? {};
    const response = responses[String(status)] ?? responses.default;
    if (!response) {
      throw new Error(`${op.model} ${op.operationId} declares no response ${status}`);
    }
    if (!response.schema) return null;
    const key = `${op.model}|${op.operationId}|${status}|${strict}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(absoluteRefs(response.schema, schemaId(op.model, strict)) as object);
      validators.set(key, validate);
    }
    return validate;
  }

  return {
    operations: (model) => all.filter((op) => model === undefined || op.model === model),
    operation,
    validateResponse(ref, status, body, options = {}) {
      const op = operation(ref);
      let validate: ValidateFunction | null;
      try {
        validate = validator(op, status, options.strict ?? false);
      } catch (err) {
        return { valid: false, errors: [(err as Error).message] };
      }
      if (validate === null) {
        const empty = body === undefined || body === null || body === '';
        return empty
          ? { valid: true, errors: [] }
          : {
              valid: false,
              errors: [`/: status ${status} has no body in the model, got ${JSON.stringify(body)}`],
            };
      }
      if (validate(body)) return { valid: true, errors: [] };
      return { valid: false, errors: formatErrors(validate.errors ?? []) };
    },
  };
}

function readOperations(model: ModelName, raw: RawModel): OperationInfo[] {
  const out: OperationInfo[] = [];
  for (const [path, item] of Object.entries(raw.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method) || !op.operationId) continue;
      const staticCases: StaticCase[] = [];
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const entry of response['x-amzn-api-sandbox']?.static ?? []) {
          staticCases.push({
            index: staticCases.length,
            status: Number(status),
            parameters: entry.request?.parameters ?? {},
            response: entry.response,
          });
        }
      }
      out.push({
        model,
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        statuses: Object.keys(op.responses ?? {})
          .filter((s) => /^\d+$/.test(s))
          .map(Number),
        staticCases,
      });
    }
  }
  return out;
}

/** The operation whose template matches a concrete path (query ignored); literal segments win. */
function findByPath(all: OperationInfo[], method: string, path: string): OperationInfo | undefined {
  const segments = path.split('?')[0]!.split('/');
  let best: { op: OperationInfo; literals: number } | undefined;
  for (const op of all) {
    if (op.method !== method.toUpperCase()) continue;
    const template = op.path.split('/');
    if (template.length !== segments.length) continue;
    let literals = 0;
    const matches = template.every((part, i) => {
      if (/^\{[^}]+\}$/.test(part)) return segments[i] !== '';
      literals += 1;
      return part === segments[i];
    });
    if (matches && (!best || literals > best.literals)) best = { op, literals };
  }
  return best?.op;
}

function createAjv(models: Map<ModelName, RawModel>): AjvInstance {
  // ajv-draft-04 and ajv-formats are CommonJS; their classes also sit on `.default`.
  const Ajv04 = Ajv04Module.default;
  const addFormats = addFormatsModule.default;
  const ajv = new Ajv04({ strict: false, allErrors: true, logger: false });
  addFormats(ajv, ['date-time', 'date', 'uri']);
  for (const format of ['double', 'float', 'int32', 'int64', 'byte', 'binary', 'password']) {
    ajv.addFormat(format, true);
  }
  for (const [name, raw] of models) {
    const definitions = raw.definitions ?? {};
    for (const strict of [false, true]) {
      const id = schemaId(name, strict);
      const defs = strict ? closeObjects(definitions) : definitions;
      ajv.addSchema({ id, definitions: absoluteRefs(defs, id) as object });
    }
  }
  return ajv;
}

/** Rewrites `#/definitions/X` refs to point into the model's registered schema. */
function absoluteRefs(value: unknown, id: string): unknown {
  if (Array.isArray(value)) return value.map((v) => absoluteRefs(v, id));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${id}${v}` : absoluteRefs(v, id);
  }
  return out;
}

/** Sets `additionalProperties: false` on every object schema with properties that leaves it open. */
function closeObjects(definitions: Record<string, unknown>): Record<string, unknown> {
  return mapValues(definitions, closeSchema);
}

function closeSchema(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const schema = { ...(value as Record<string, unknown>) };
  if (isRecord(schema.properties)) {
    schema.properties = mapValues(schema.properties, closeSchema);
    if (schema.additionalProperties === undefined) schema.additionalProperties = false;
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (isRecord(schema[key])) schema[key] = closeSchema(schema[key]);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(schema[key])) schema[key] = (schema[key] as unknown[]).map(closeSchema);
  }
  return schema;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mapValues(record: Record<string, unknown>, fn: (v: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

function formatErrors(errors: ErrorObject[]): string[] {
  const lines = errors.map((e) => {
    const where = e.instancePath || '/';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties')
      return `${where}: has undeclared property '${String(params.additionalProperty)}'`;
    if (e.keyword === 'enum')
      return `${where}: ${e.message} (${(params.allowedValues as unknown[]).join(', ')})`;
    return `${where}: ${e.message ?? e.keyword}`;
  });
  return [...new Set(lines)];
}

/**
 * Builds a request that replays a static case: parameters with a `value` are sent as the model
 * declares them (arrays comma-separated), and required parameters the case omits get fillers, as a
 * real client must send them (path `SANDBOX-<name>`, marketplace ids `ATVPDKIKX0DER`, body `{}`).
 */
export function staticCaseRequest(op: OperationInfo, staticCase: StaticCase): StaticCaseRequest {
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  let body: string | undefined;
  const declared = new Set(op.parameters.map((p) => p.name));

  for (const param of op.parameters) {
    const given = caseParameter(staticCase, param);
    const hasValue = given !== undefined && 'value' in given;
    if (!hasValue && !param.required) continue;
    const value = hasValue ? given.value : filler(param);
    switch (param.in) {
      case 'path':
        path = path.replace(`{${param.name}}`, encodeURIComponent(String(value)));
        break;
      case 'query':
        if (Array.isArray(value) && param.collectionFormat === 'multi') {
          for (const v of value) query.append(param.name, String(v));
        } else {
          query.set(param.name, Array.isArray(value) ? value.map(String).join(',') : String(value));
        }
        break;
      case 'header':
        headers[param.name] = String(value);
        break;
      case 'body':
      case 'formData':
        body = JSON.stringify(value);
        headers['content-type'] = 'application/json';
        break;
    }
  }
  // A valued parameter the operation does not declare: sent in the query, as a client would try.
  for (const [name, given] of Object.entries(staticCase.parameters)) {
    if (!declared.has(name) && name !== 'body' && 'value' in given) query.set(name, String(given.value));
  }
  const search = query.toString();
  return {
    method: op.method,
    url: search ? `${path}?${search}` : path,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

/**
 * The case's entry for a parameter. Entries name the body parameter `body` even where the model
 * calls it otherwise (Orders v0 `payload`).
 */
export function caseParameter(
  staticCase: StaticCase,
  param: SwaggerParameter,
): { value?: unknown } | undefined {
  const byName = staticCase.parameters[param.name];
  if (byName !== undefined || param.in !== 'body') return byName;
  return staticCase.parameters.body;
}

function filler(param: SwaggerParameter): unknown {
  if (param.in === 'body' || param.in === 'formData') return {};
  if (/^marketplaceids$/i.test(param.name)) return ['ATVPDKIKX0DER'];
  if (param.type === 'array') return [`SANDBOX-${param.name}`];
  return `SANDBOX-${param.name}`;
}

/** One response checked by a recorder. */
export interface CheckedResponse {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  /** `model operationId`, or null when no model declares the method and path (LWA, pages, controls). */
  operation: string | null;
  /** Schema errors for the operation and status; empty when valid or when no operation applies. */
  errors: string[];
  /** Properties the model does not declare (strict mode errors not already in `errors`). */
  undeclared: string[];
}

/** Validates every SP-API response it sees and keeps them all for a coverage summary. */
export interface ConformanceRecorder {
  check(request: Request, fetch: (request: Request) => Promise<Response>): Promise<CheckedResponse>;
  readonly calls: readonly CheckedResponse[];
  /** One line per operation and status: how many calls, how many failed validation, first errors. */
  summary(): string;
}

/** A recorder over the loaded models. */
export function createConformanceRecorder(schemas: SpApiSchemas): ConformanceRecorder {
  const calls: CheckedResponse[] = [];
  return {
    calls,
    async check(request, fetch) {
      const url = new URL(request.url);
      // A region path prefix (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints hosts aside, the simulator also serves /na, /eu, /fe).
      const path = url.pathname.replace(/^\/(na|eu|fe)(?=\/)/i, '');
      const res = await fetch(request);
      const text = await res.text();
      let body: unknown;
      let parseError: string | undefined;
      try {
        body = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        body = text;
        parseError = `/: body is not JSON: ${text.slice(0, 80)}`;
      }
      let op: OperationInfo | undefined;
      try {
        op = schemas.operation({ method: request.method, path });
      } catch {
        op = undefined;
      }
      const checked: CheckedResponse = {
        method: request.method,
        path,
        status: res.status,
        headers: res.headers,
        body,
        operation: op ? `${op.model} ${op.operationId}` : null,
        errors: [],
        undeclared: [],
      };
      if (op) {
        const ref = { model: op.model, operationId: op.operationId };
        checked.errors = parseError ? [parseError] : schemas.validateResponse(ref, res.status, body).errors;
        if (!parseError) {
          const strict = schemas.validateResponse(ref, res.status, body, { strict: true }).errors;
          checked.undeclared = strict.filter((e) => !checked.errors.includes(e));
        }
      }
      calls.push(checked);
      return checked;
    },
    summary() {
      const rows = new Map<string, { calls: number; failed: CheckedResponse[]; undeclared: Set<string> }>();
      for (const call of calls) {
        if (!call.operation) continue;
        const key = `${call.operation} ${call.status}`;
        const row = rows.get(key) ?? { calls: 0, failed: [], undeclared: new Set<string>() };
        row.calls += 1;
        if (call.errors.length > 0) row.failed.push(call);
        for (const u of call.undeclared) row.undeclared.add(u);
        rows.set(key, row);
      }
      return [...rows]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, row]) => {
          const failed =
            row.failed.length === 0
              ? 'valid'
              : `${row.failed.length} INVALID: ${row.failed[0]!.errors.slice(0, 3).join('; ')}`;
          const undeclared =
            row.undeclared.size === 0 ? '' : ` | undeclared: ${[...row.undeclared].slice(0, 3).join('; ')}`;
          return `${key}: ${row.calls} call(s), ${failed}${undeclared}`;
        })
        .join('\n');
    },
  };
}
