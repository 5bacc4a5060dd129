import type { Hono } from 'hono';
import { z } from 'zod';
import { randomUuid } from '../kernel/random.js';
import type { SimContext, SimEnv } from './context.js';
import { badInput, notFound, readJson } from './controls-validate.js';
import { USAGE_PLANS } from './spapi/usage-plans.js';
import type { SimFaultRule } from './state.js';

/** Fault rule controls: `GET/POST/DELETE /_sim/faults`, `DELETE /_sim/faults/:id`. */

/** Operations a fault rule may name: every SP-API operation (`*`), the LWA endpoint, or one operation id. */
export function faultOperations(): string[] {
  return ['*', 'lwa', ...Object.keys(USAGE_PLANS)];
}

const faultSchema = z.strictObject({
  id: z.string().trim().min(1).exactOptional(),
  operation: z.string().trim().min(1, 'must not be empty'),
  kind: z.enum(['429', '500', '503', 'latency', 'drop']),
  share: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(1),
  latencyMs: z
    .number()
    .int()
    .min(0)
    .max(10 * 60_000, 'must be at most 600000')
    .exactOptional(),
  remaining: z.number().int().min(1, 'must be at least 1').exactOptional(),
});

/** Registers the fault controls. */
export function registerFaultControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/faults', (c) => c.json({ faults: ctx.state.faults }));

  app.post('/_sim/faults', async (c) => {
    const body = await readJson(c, faultSchema);
    if (!body.ok) return body.response;
    const input = body.value;
    const known = faultOperations();
    if (!known.includes(input.operation)) {
      return badInput(c, 'operation', `unknown operation ${input.operation} (one of ${known.join(', ')})`);
    }
    if (input.kind === 'latency' && input.latencyMs === undefined) {
      return badInput(c, 'latencyMs', 'is required for kind latency');
    }
    if (input.kind !== 'latency' && input.latencyMs !== undefined) {
      return badInput(c, 'latencyMs', 'applies only to kind latency');
    }
    const id = input.id ?? randomUuid(ctx.random);
    if (ctx.state.faults.some((f) => f.id === id)) return badInput(c, 'id', `a fault ${id} already exists`);
    const rule: SimFaultRule = { id, operation: input.operation, kind: input.kind, share: input.share };
    if (input.latencyMs !== undefined) rule.latencyMs = input.latencyMs;
    if (input.remaining !== undefined) rule.remaining = input.remaining;
    ctx.state.faults.push(rule);
    return c.json(rule, 201);
  });

  app.delete('/_sim/faults', (c) => {
    const removed = ctx.state.faults.splice(0).length;
    return c.json({ removed });
  });

  app.delete('/_sim/faults/:id', (c) => {
    const index = ctx.state.faults.findIndex((f) => f.id === c.req.param('id'));
    if (index < 0) return notFound(c, 'fault', c.req.param('id'));
    const [removed] = ctx.state.faults.splice(index, 1);
    return c.json({ removed });
  });
}
