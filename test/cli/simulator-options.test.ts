import { describe, expect, it } from 'vitest';
import { checkOptions, type SimulatorOptions } from '../../src/cli/commands/simulator-actions.js';
import { runInProcess } from './harness.js';

/**
 * `sellerlink simulator` offers the simulator's options that encode an unconfirmed Amazon behaviour
 * (docs/simulator.md): `--token-clock` (what access tokens expire by across clock jumps) and
 * `--code-redirect-uri` (whether the code exchange needs redirect_uri). Defaults are Amazon's
 * documented behaviour; a wrong value is refused by name before anything listens.
 */

const BASE: SimulatorOptions = {
  port: '0',
  host: '127.0.0.1',
  speed: '1',
  tokenClock: 'simulated',
  codeRedirectUri: 'required',
  redirectUri: [],
  loginUri: 'http://localhost:3000/oauth/login',
};

describe('sellerlink simulator: token clock and redirect_uri rule', () => {
  it('pass the chosen modes to the simulator', () => {
    expect(checkOptions(BASE).config).toEqual({
      speed: 1,
      accessTokenClock: 'simulated',
      lwaCodeRedirectUri: 'required',
    });
    expect(checkOptions({ ...BASE, tokenClock: 'real', codeRedirectUri: 'rfc6749' }).config).toEqual({
      speed: 1,
      accessTokenClock: 'real',
      lwaCodeRedirectUri: 'rfc6749',
    });
  });

  it('--help shows both with their defaults; a wrong value is refused by name', async () => {
    const help = await runInProcess({}, ['simulator', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--token-clock <clock>[\s\S]*\(default: "simulated"\)/);
    expect(help.stdout).toMatch(/--code-redirect-uri <rule>[\s\S]*\(default: "required"\)/);
    const clock = await runInProcess({}, ['simulator', '--port', '0', '--token-clock', 'wall']);
    expect(clock.code).not.toBe(0);
    expect(clock.stderr).toContain('--token-clock must be one of simulated, real (got wall)');
    const rule = await runInProcess({}, ['simulator', '--port', '0', '--code-redirect-uri', 'maybe']);
    expect(rule.code).not.toBe(0);
    expect(rule.stderr).toContain('--code-redirect-uri must be one of required, rfc6749 (got maybe)');
  });
});
