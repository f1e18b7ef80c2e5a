import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1ControllerRevision, V1PodTemplateSpec } from '@kubernetes/client-node';
import { RestClient } from '../client/index.ts';
import { controllerRevisions, namespaces } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import {
  ControllerHistory, REVISION_DATA_HASH_LABEL, equalRevision, findEqualRevisions, hashRevisionData, newControllerRevision, nextRevision,
  revisionName, revisionsToTruncate, sortRevisions, templateOfRevision, templatePatch,
} from './revisions.ts';

const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'u-1' } };
const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true };
const template = (image: string): V1PodTemplateSpec => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const rev = (name: string, revision: number, image: string, created = '2026-01-01T00:00:00Z'): V1ControllerRevision => ({
  metadata: { name, creationTimestamp: new Date(created), labels: { h: name } }, revision, data: templatePatch(template(image)),
});

describe('ControllerRevision history', () => {
  it('names a revision <owner>-<hash>, cutting long owner names to 223 characters', () => {
    expect(revisionName('web', 'abc')).toBe('web-abc');
    const long = 'x'.repeat(240);
    expect(revisionName(long, 'abc')).toBe(`${'x'.repeat(223)}-abc`);
    expect(revisionName(long, 'abc').length).toBeLessThanOrEqual(253);
  });

  it('stores the template as a patch that replaces it, and restores the template from it', () => {
    const data = templatePatch(template('nginx:1'));
    expect(data).toEqual({ spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] }, $patch: 'replace' } } });
    const restored = templateOfRevision({ metadata: {}, revision: 1, data });
    expect(restored.spec?.containers[0]?.image).toBe('nginx:1');
    expect((restored as unknown as Record<string, unknown>).$patch).toBeUndefined();
  });

  it('builds a revision with the template labels, the data hash label and a controller reference; the hash moves with the data and the collision count', () => {
    const data = templatePatch(template('nginx:1'));
    const r = newControllerRevision(owner, ref, { app: 'web' }, data, 3, 0, { note: 'x' });
    const hash = hashRevisionData(data, 0);
    expect(r).toMatchObject({
      revision: 3,
      metadata: { name: `web-${hash}`, namespace: 'ns', labels: { app: 'web', [REVISION_DATA_HASH_LABEL]: hash }, annotations: { note: 'x' }, ownerReferences: [ref] },
    });
    expect(hashRevisionData(data, 1)).not.toBe(hash);
    expect(hashRevisionData(templatePatch(template('nginx:2')), 0)).not.toBe(hash);
    // Key order does not matter.
    expect(hashRevisionData({ spec: { template: { $patch: 'replace', spec: { containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } } } }, 0)).toBe(hash);
  });

  it('finds equal snapshots whatever their names and numbers, sorts by revision then age then name, and numbers the next one', () => {
    const a = rev('a', 1, 'v1');
    const b = rev('b', 2, 'v2');
    const c = rev('c', 2, 'v1', '2025-12-31T00:00:00Z');
    expect(equalRevision(a, c)).toBe(true);
    expect(equalRevision(a, b)).toBe(false);
    expect(findEqualRevisions([a, b, c], rev('x', 9, 'v1')).map((r) => r.metadata?.name)).toEqual(['a', 'c']);
    expect(sortRevisions([b, a, c]).map((r) => r.metadata?.name)).toEqual(['a', 'c', 'b']);
    expect(nextRevision([a, b, c])).toBe(3);
    expect(nextRevision([])).toBe(1);
  });

  it('truncates history oldest first beyond the limit, sparing live revisions', () => {
    const revs = [rev('r1', 1, 'v1'), rev('r2', 2, 'v2'), rev('r3', 3, 'v3'), rev('r4', 4, 'v4'), rev('r5', 5, 'v5')];
    // StatefulSet: live revisions do not count against the limit.
    expect(revisionsToTruncate(revs, new Set(['r5', 'r1']), 2).map((r) => r.metadata?.name)).toEqual(['r2']);
    expect(revisionsToTruncate(revs, new Set(['r5']), 10)).toEqual([]);
    // DaemonSet: they do, but are still never deleted.
    expect(revisionsToTruncate(revs, new Set(['r1', 'r2']), 2, { countLive: true }).map((r) => r.metadata?.name)).toEqual(['r3', 'r4', 'r5']);
    expect(revisionsToTruncate(revs, new Set(['h-r1']), 3, { countLive: true, keyOf: (r) => `h-${r.metadata?.name}` }).map((r) => r.metadata?.name)).toEqual(['r2', 'r3']);
  });
});

describe('ControllerHistory against the API server', () => {
  let srv: TestApiServer;
  let rest: RestClient;
  beforeAll(async () => {
    srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    rest = new RestClient(srv.kubeconfig);
    await rest.create(namespaces, '', { metadata: { name: 'ns' } });
  });
  afterAll(async () => {
    rest?.close();
    await srv?.close();
  });

  it('returns an equal revision already stored, renames past a name taken by other data with a higher collision count, and renumbers', async () => {
    const history = new ControllerHistory(rest);
    const data = templatePatch(template('app:v1'));
    const wanted = newControllerRevision(owner, ref, { app: 'web' }, data, 1, 0);
    const first = await history.create(wanted, 0);
    expect(first.collisionCount).toBe(0);
    expect(first.revision.metadata?.name).toBe(wanted.metadata?.name);
    // The same snapshot again: the stored one, no new object.
    const again = await history.create(wanted, 0);
    expect(again.revision.metadata?.uid).toBe(first.revision.metadata?.uid);

    // Someone else's data under the name the next snapshot would take.
    const other = templatePatch(template('app:v2'));
    const squatter = newControllerRevision(owner, ref, {}, data, 1, 0);
    squatter.metadata!.name = revisionName('web', hashRevisionData(other, 0));
    await rest.create(controllerRevisions, 'ns', squatter);
    const second = await history.create(newControllerRevision(owner, ref, { app: 'web' }, other, 2, 0), 0);
    expect(second.collisionCount).toBe(1);
    expect(second.revision.metadata?.name).toBe(revisionName('web', hashRevisionData(other, 1)));
    expect(second.revision.metadata?.labels?.[REVISION_DATA_HASH_LABEL]).toBe(hashRevisionData(other, 1));

    const renumbered = await history.setRevision(first.revision, 3);
    expect(renumbered.revision).toBe(3);
    expect((await rest.get(controllerRevisions, 'ns', first.revision.metadata!.name!)).revision).toBe(3);
    await history.delete(renumbered);
    await history.delete(renumbered);
    expect((await rest.list(controllerRevisions, 'ns')).items.map((r) => r.metadata?.name).sort()).toEqual([squatter.metadata!.name, second.revision.metadata!.name].sort());
  });
});
