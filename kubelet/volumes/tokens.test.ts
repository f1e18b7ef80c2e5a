import { describe, expect, it } from 'vitest';
import { refreshAt, TokenManager } from './tokens.ts';

describe('projected service-account tokens (upstream token manager)', () => {
  const bound = { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u-1' };

  it('asks the TokenRequest API with the audience, expiry and pod binding, and caches the token', async () => {
    let now = 1_000_000;
    const calls: Array<{ ns: string; sa: string; body: unknown }> = [];
    const tm = new TokenManager({
      now: () => now, random: () => 0,
      request: async (ns, sa, body) => {
        calls.push({ ns, sa, body });
        return { spec: { expirationSeconds: 3600 }, status: { token: `t${calls.length}`, expirationTimestamp: new Date(now + 3600_000).toISOString() } };
      },
    });
    const spec = { audiences: ['vault'], expirationSeconds: 3600, boundObjectRef: bound };
    expect((await tm.get('app', 'robot', spec)).token).toBe('t1');
    expect(calls[0]).toEqual({
      ns: 'app', sa: 'robot',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 3600, boundObjectRef: bound } },
    });
    now += 2_000_000; // 55% of the lifetime
    expect((await tm.get('app', 'robot', spec)).token).toBe('t1');
    now += 900_000; // 80% passed
    expect((await tm.get('app', 'robot', spec)).token).toBe('t2');
    expect(calls).toHaveLength(2);
  });

  it('renews at 80% of the lifetime, or at 24 hours for long-lived tokens', () => {
    expect(refreshAt({ token: 'x', expiresAt: 10_000_000, expirationSeconds: 1000 })).toBe(10_000_000 - 200_000);
    const year = 365 * 24 * 3600;
    const t = { token: 'x', expiresAt: year * 1000, expirationSeconds: year };
    expect(refreshAt(t)).toBe(24 * 3600_000);
  });

  it('says why it has no token when the API refuses', async () => {
    const tm = new TokenManager({ request: async () => { throw new Error('serviceaccounts "robot" not found'); } });
    await expect(tm.get('app', 'robot', { expirationSeconds: 600, boundObjectRef: bound })).rejects.toThrow('failed to fetch token: serviceaccounts "robot" not found');
  });
});
