import { describe, expect, it } from 'vitest';
import { makeDeployment, makeReplicaSet } from './fixtures.ts';
import { replicaSetsToCleanUp } from './history.ts';

describe('revision history', () => {
  it('deletes the lowest revisions beyond revisionHistoryLimit, but only empty, observed ReplicaSets', () => {
    const d = makeDeployment({ revisionHistoryLimit: 1 });
    const rev = (r: number, o: Parameters<typeof makeReplicaSet>[0] | object = {}) => makeReplicaSet({ name: `r${r}`, replicas: 0, revision: String(r), ...o });
    const picked = (rss: ReturnType<typeof rev>[]) => replicaSetsToCleanUp(rss, d).map((rs) => rs.metadata?.name);
    expect(picked([rev(3), rev(1, { replicas: 1 }), rev(2)])).toEqual(['r2']);
    expect(picked([rev(3), rev(1), rev(2)])).toEqual(['r1', 'r2']);
    expect(picked([rev(3), rev(1, { actual: 1 }), rev(2, { generation: 2, observedGeneration: 1 })])).toEqual([]);
    const deleting = rev(1);
    deleting.metadata!.deletionTimestamp = new Date();
    expect(picked([deleting, rev(2)])).toEqual([]);
    expect(replicaSetsToCleanUp([rev(1), rev(2)], makeDeployment())).toEqual([]);
  });
});
