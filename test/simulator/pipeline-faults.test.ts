import { describe, expect, it } from 'vitest';
import { applyFaults, faultMatches } from '../../src/simulator/faults.js';
import { SimulatedDrop } from '../../src/simulator/http.js';
import type { SimFaultRule } from '../../src/simulator/state.js';
import { createTestWorld, errorOf } from './pipeline-fixtures.js';

function rule(input: Omit<SimFaultRule, 'id'>, id = `f${Math.floor(input.share * 100)}`): SimFaultRule {
  return { id, ...input };
}

describe('SP-API pipeline: faults', () => {
  it('fails a share of calls, the same calls for the same seed', async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const w = createTestWorld({ seed });
      w.sim.ctx.state.faults.push(rule({ operation: '*', kind: '503', share: 0.3 }));
      const out: number[] = [];
      for (let i = 0; i < 200; i++) out.push((await w.call('/simtest/many')).status);
      return out;
    };
    const first = await statuses(7);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(35);
    expect(failed).toBeLessThan(85);
    expect(first.every((s) => s === 200 || s === 503)).toBe(true);
    expect(await statuses(7)).toEqual(first);
    expect(await statuses(8)).not.toEqual(first);
  });

  it('answers 429, 500 and 503 in the SP-API error shape, before checking the token', async () => {
    const w = createTestWorld();
    const cases = [
      ['429', 429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.'],
      ['500', 500, 'InternalFailure', 'We encountered an internal error. Please try again.'],
      ['503', 503, 'ServiceUnavailable', 'Service temporarily unavailable. Please try again.'],
    ] as const;
    for (const [kind, status, code, message] of cases) {
      w.sim.ctx.state.faults.splice(
        0,
        Infinity,
        rule({ operation: 'getMarketplaceParticipations', kind, share: 1 }),
      );
      const res = await w.call('/simtest/seller', { token: null });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toEqual({ code, message });
      expect(res.headers.get('x-amzn-RateLimit-Limit')).toBeNull();
      expect(res.headers.get('x-amzn-RequestId')).toBeTruthy();
      expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({ status, note: `fault:${kind}` });
    }
    // Rules for another operation leave this one alone.
    w.sim.ctx.state.faults.splice(0, Infinity, rule({ operation: 'searchOrders', kind: '500', share: 1 }));
    expect((await w.call('/simtest/seller')).status).toBe(200);
  });

  it('stops after `remaining` injections and removes the spent rule', async () => {
    const w = createTestWorld();
    w.sim.ctx.state.faults.push(rule({ operation: 'simtestMany', kind: '500', share: 1, remaining: 2 }));
    expect((await w.call('/simtest/many')).status).toBe(500);
    expect(w.sim.ctx.state.faults[0]?.remaining).toBe(1);
    expect((await w.call('/simtest/many')).status).toBe(500);
    expect(w.sim.ctx.state.faults).toEqual([]);
    expect((await w.call('/simtest/many')).status).toBe(200);
  });

  it('waits out latency with ctx.sleep and then serves the call', async () => {
    const w = createTestWorld();
    const slept: number[] = [];
    w.sim.ctx.sleep = (ms) => {
      slept.push(ms);
      return Promise.resolve();
    };
    w.sim.ctx.state.faults.push(rule({ operation: '*', kind: 'latency', share: 1, latencyMs: 2500 }));
    const res = await w.call('/simtest/seller');
    expect(res.status).toBe(200);
    expect(slept).toEqual([2500]);
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({ status: 200, note: 'fault:latency:2500' });
  });

  it('drops the connection: the in-process fetch rejects like a network failure', async () => {
    const w = createTestWorld();
    w.sim.ctx.state.faults.push(
      rule({ operation: 'getMarketplaceParticipations', kind: 'drop', share: 1, remaining: 1 }),
    );
    const error = await w.call('/simtest/seller').then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toBeInstanceOf(SimulatedDrop);
    expect(w.sim.ctx.state.requestLog.at(-1)).toMatchObject({
      operation: 'getMarketplaceParticipations',
      status: 0,
      note: 'fault:drop',
      sellingPartnerId: 'ASELLERNA',
    });
    expect(w.sim.ctx.state.requestLog).toHaveLength(1);
    expect((await w.call('/simtest/seller')).status).toBe(200);
  });

  it('lets the LWA endpoint share the rules under operation `lwa`, which `*` does not cover', async () => {
    const w = createTestWorld();
    const star = rule({ operation: '*', kind: '500', share: 1 });
    const lwa = rule({ operation: 'lwa', kind: '503', share: 1 });
    expect(faultMatches(star, 'searchOrders')).toBe(true);
    expect(faultMatches(star, 'lwa')).toBe(false);
    expect(faultMatches(lwa, 'lwa')).toBe(true);
    w.sim.ctx.state.faults.push(star);
    expect(await applyFaults(w.sim.ctx, 'lwa')).toEqual({ error: null, latencyMs: 0 });
    w.sim.ctx.state.faults.push(lwa);
    expect(await applyFaults(w.sim.ctx, 'lwa')).toEqual({ error: '503', latencyMs: 0 });
    w.sim.ctx.state.faults.push(rule({ operation: 'lwa', kind: 'drop', share: 1 }, 'drop'));
    w.sim.ctx.state.faults.splice(1, 1);
    await expect(applyFaults(w.sim.ctx, 'lwa')).rejects.toBeInstanceOf(SimulatedDrop);
  });
});
