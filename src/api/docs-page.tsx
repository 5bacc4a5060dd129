import { API_ERROR_CODES, type OpenApiDocument } from './openapi.js';

/** Loose views of the document parts the page reads (the generator's types are a union of refs). */
interface Param {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: { type?: string; enum?: string[]; pattern?: string; format?: string };
  example?: unknown;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Param[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const CSS = `
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2433;background:#f6f7f9;line-height:1.45}
header{background:#232f3e;color:#fff;padding:.8rem 1.5rem} header a{color:#fff}
main{max-width:64rem;margin:1.5rem auto;padding:0 1.5rem}
section.op{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:1rem 1.25rem;margin:0 0 1rem}
.method{display:inline-block;min-width:4rem;text-align:center;font-weight:700;border-radius:4px;padding:.1rem .4rem;margin-right:.5rem;color:#fff;background:#4b5563}
.get{background:#1c6b34}.post{background:#1f5fa8}.put{background:#7a5200}.patch{background:#6b3fa0}.delete{background:#9b1c1c}
code,pre{background:#eef0f3;border-radius:3px} code{padding:0 .25rem} pre{padding:.6rem .8rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{font-size:.85rem;color:#5a6475} h2{margin-top:2rem} h3{margin:.2rem 0 .6rem;font-size:1.05rem}
nav ul{columns:2;padding-left:1.2rem} .small{font-size:.85rem;color:#5a6475}
`;

/** Renders inline `code` spans of the document's descriptions. */
function Text(props: { value: string | undefined }) {
  if (!props.value) return null;
  const parts = props.value.split(/(`[^`]+`)/g);
  return (
    <>
      {parts.map((part) =>
        part.startsWith('`') && part.endsWith('`') ? <code>{part.slice(1, -1)}</code> : part,
      )}
    </>
  );
}

function typeOf(param: Param): string {
  const s = param.schema;
  if (!s) return '';
  if (s.enum) return s.enum.join(' | ');
  return [s.type, s.format].filter(Boolean).join(', ');
}

/** An example value for a path or query parameter in a curl command. */
function exampleValue(param: Param): string {
  if (param.name === 'id') return '$CONNECTION_ID';
  const example = param.example ?? (param.schema as { example?: unknown } | undefined)?.example;
  if (typeof example === 'string') return example;
  if (param.schema?.enum?.[0]) return param.schema.enum[0];
  return `<${param.name}>`;
}

const LISTING = 'listings/2021-08-01/items/$SELLING_PARTNER_ID/$SKU?marketplaceIds=ATVPDKIKX0DER';

/** What each proxy method's example calls: a typical SP-API operation and its body. */
const PROXY_EXAMPLES: Record<string, { path: string; body?: unknown }> = {
  get: {
    path: 'orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&lastUpdatedAfter=2026-01-01T00:00:00Z',
  },
  post: {
    path: 'tokens/2021-03-01/restrictedDataToken',
    body: {
      restrictedResources: [{ method: 'GET', path: '/orders/v0/orders', dataElements: ['buyerInfo'] }],
    },
  },
  put: {
    path: LISTING,
    body: {
      productType: 'PRODUCT',
      requirements: 'LISTING_OFFER_ONLY',
      attributes: { condition_type: [{ value: 'new_new' }] },
    },
  },
  patch: {
    path: LISTING,
    body: {
      productType: 'PRODUCT',
      patches: [
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }],
        },
      ],
    },
  },
  delete: { path: LISTING },
};

/** A curl command that calls the operation. */
export function curlFor(
  server: string,
  path: string,
  method: string,
  op: Operation,
  bodyExample?: unknown,
): string {
  let url = server + path;
  let body = bodyExample;
  const proxy = path.endsWith('/sp-api/{path}') ? PROXY_EXAMPLES[method] : undefined;
  if (proxy) {
    url = url.replace('{path}', proxy.path);
    body = proxy.body;
  }
  for (const param of op.parameters ?? []) {
    if (param.in === 'path') url = url.replace(`{${param.name}}`, exampleValue(param));
  }
  if (method === 'get' && !proxy) {
    const query = (op.parameters ?? []).filter((p) => p.in === 'query').slice(0, 2);
    if (query.length) url += `?${query.map((p) => `${p.name}=${exampleValue(p)}`).join('&')}`;
  }
  const lines = [
    `curl -sS -X ${method.toUpperCase()} "${url}"`,
    '  -H "Authorization: Bearer $SELLERLINK_API_KEY"',
  ];
  if (op.requestBody?.content?.['application/json']) {
    lines.push('  -H "Content-Type: application/json"');
    lines.push(`  -d '${body === undefined ? '{}' : JSON.stringify(body)}'`);
  }
  return lines.join(' \\\n');
}

/** The readable API reference at /api/docs, generated from the OpenAPI document. No external assets. */
export function ApiDocsPage(props: { document: OpenApiDocument }) {
  const doc = props.document;
  const server = doc.servers?.[0]?.url ?? '/api';
  const schemas = (doc.components?.schemas ?? {}) as Record<string, { example?: unknown }>;
  const operations: { path: string; method: string; op: Operation; bodyExample?: unknown }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      // Request bodies refer to named schemas: their examples make the curl lines.
      const schema = op.requestBody?.content?.['application/json']?.schema as
        { $ref?: string; example?: unknown } | undefined;
      const bodyExample = schema?.$ref
        ? schemas[schema.$ref.split('/').pop() ?? '']?.example
        : schema?.example;
      operations.push({ path, method, op, bodyExample });
    }
  }
  const anchor = (o: { method: string; path: string; op: Operation }) =>
    o.op.operationId ?? `${o.method}-${o.path.replace(/[^a-z0-9]+/gi, '-')}`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${doc.info.title} ${doc.info.version}`}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <header>
          <strong>{doc.info.title}</strong>{' '}
          <span class="small" style="color:#cfd6df">
            {doc.info.version}
          </span>
        </header>
        <main>
          <p>
            <Text value={doc.info.description} />
          </p>
          <p>
            Base URL: <code>{server}</code>. Machine-readable document:{' '}
            <a href="openapi.json">openapi.json</a> (OpenAPI {doc.openapi}).
          </p>
          <h2 id="auth">Authentication</h2>
          <p>
            Create an API key on the portal (<a href="/api-keys">API keys</a>) or with{' '}
            <code>sellerlink api-keys create --account NAME --name "my software"</code>. The key is shown
            once; Sellerlink keeps only its hash. Send it on every call:
          </p>
          <pre>Authorization: Bearer slk_…</pre>
          <p>
            A key sees one account's connections, or every account's (operator keys, <code>--all</code>).
            Another account's connection answers 404, exactly like one that does not exist.
          </p>
          <h2 id="errors">Errors</h2>
          <p>Every failure has one shape and a stable code; bad input names the field:</p>
          <pre>
            {
              '{"error": {"code": "VALIDATION_FAILED", "message": "state: Invalid option…", "field": "state"}}'
            }
          </pre>
          <p>
            The SP-API proxy passes Amazon's own 4xx answers through unchanged (
            <code>{'{"errors": [ … ]}'}</code>
            with Amazon's status); Sellerlink's own failures keep the shape above.
          </p>
          <table>
            <thead>
              <tr>
                <th>code</th>
                <th>status</th>
                <th>meaning</th>
              </tr>
            </thead>
            <tbody>
              {API_ERROR_CODES.map((e) => (
                <tr data-error-code={e.code}>
                  <td>
                    <code>{e.code}</code>
                  </td>
                  <td>{e.status}</td>
                  <td>
                    <Text value={e.meaning} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2 id="operations">Operations</h2>
          <nav>
            <ul>
              {operations.map((o) => (
                <li>
                  <a href={`#${anchor(o)}`}>
                    {o.method.toUpperCase()} {o.path}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {operations.map((o) => (
            <section class="op" id={anchor(o)} data-operation={o.op.operationId ?? ''}>
              <h3>
                <span class={`method ${o.method}`}>{o.method.toUpperCase()}</span>
                <code>{o.path}</code>
              </h3>
              <p>
                <strong>{o.op.summary}</strong>
              </p>
              <p>
                <Text value={o.op.description} />
              </p>
              {o.op.parameters?.length ? (
                <>
                  <h4>Parameters</h4>
                  <table>
                    <thead>
                      <tr>
                        <th>name</th>
                        <th>in</th>
                        <th>type</th>
                        <th>required</th>
                        <th>description</th>
                      </tr>
                    </thead>
                    <tbody>
                      {o.op.parameters.map((p) => (
                        <tr>
                          <td>
                            <code>{p.name}</code>
                          </td>
                          <td>{p.in}</td>
                          <td>{typeOf(p)}</td>
                          <td>{p.required ? 'yes' : 'no'}</td>
                          <td>
                            <Text value={p.description} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              ) : null}
              {o.op.requestBody ? (
                <p>Body: JSON{o.op.requestBody.required ? ' (required)' : ' (optional)'}.</p>
              ) : null}
              <h4>Responses</h4>
              <table>
                <tbody>
                  {Object.entries(o.op.responses ?? {}).map(([status, r]) => (
                    <tr>
                      <td>
                        <code>{status}</code>
                      </td>
                      <td>
                        <Text value={r.description} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h4>Example</h4>
              <pre>{curlFor(server, o.path, o.method, o.op, o.bodyExample)}</pre>
            </section>
          ))}
        </main>
      </body>
    </html>
  );
}
