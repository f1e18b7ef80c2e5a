import { describe, expect, it } from 'vitest';
import { FakeRuntime, normalizeImage, simulateCommand } from './fake.ts';
import { runRuntimeSuite } from './runtime.suite.ts';

runRuntimeSuite('fake', {
  make: async () => ({ runtime: new FakeRuntime(), close: async () => {} }),
  image: 'busybox',
  podCIDR: { cidr: '10.244.7.0/24', prefix: '10.244.7.' },
});

describe('fake runtime simulation', () => {
  it.each([
    [[], { kind: 'forever' }],
    [['nginx'], { kind: 'forever' }],
    [['/pause'], { kind: 'forever' }],
    [['true'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['/bin/false'], { kind: 'exit', code: 1, afterMs: 0 }],
    [['sleep', '5'], { kind: 'exit', code: 0, afterMs: 5000 }],
    [['sleep', '1m'], { kind: 'exit', code: 0, afterMs: 60_000 }],
    [['sleep', 'infinity'], { kind: 'forever' }],
    [['sh', '-c', 'exit 1'], { kind: 'exit', code: 1, afterMs: 0 }],
    [['/bin/sh', '-c', 'exit 42'], { kind: 'exit', code: 42, afterMs: 0 }],
    [['sh', '-c', 'sleep 2'], { kind: 'exit', code: 0, afterMs: 2000 }],
    [['sh', '-c', 'echo hello; sleep 1; exit 3'], { kind: 'exit', code: 3, afterMs: 1000 }],
    [['sh', '-c', 'false || exit 0'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['sh', '-c', 'false && sleep 10'], { kind: 'exit', code: 1, afterMs: 0 }],
    [['bash', '-ec', 'true'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['sh', '-c', 'echo "a; exit 9"'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['sh', '-c', 'while true; do sleep 1; done'], { kind: 'forever' }],
    [['sh', '-c', 'cat /etc/hosts | grep x'], { kind: 'forever' }],
    [['sh', '-c', 'trap exit TERM; sleep 9999 & wait'], { kind: 'forever' }],
    [['sh'], { kind: 'forever' }],
  ])('%j', (argv, want) => {
    expect(simulateCommand(argv as string[])).toEqual(want);
  });

  it('normalises image references as Docker does', () => {
    expect(normalizeImage('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImage('nginx:1.25')).toBe('docker.io/library/nginx:1.25');
    expect(normalizeImage('example/app')).toBe('docker.io/example/app:latest');
    expect(normalizeImage('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
    expect(normalizeImage('localhost:5000/x@sha256:ab')).toBe('localhost:5000/x@sha256:ab');
  });

  it('hands out pod IPs from .2 up and reuses a released one', async () => {
    const rt = new FakeRuntime({ podCIDR: '10.244.3.0/24' });
    const pod = (uid: string) => ({ metadata: { uid, name: uid, namespace: 'default' } });
    const cfg = { hostname: 'x', hostNetwork: false, portMappings: [], labels: {} };
    const a = await rt.runPodSandbox(pod('a'), cfg, 0);
    const b = await rt.runPodSandbox(pod('b'), cfg, 0);
    expect([a.ips[0], b.ips[0]]).toEqual(['10.244.3.2', '10.244.3.3']);
    const host = await rt.runPodSandbox(pod('h'), { ...cfg, hostNetwork: true }, 0);
    expect(host.ips).toEqual([]);
    await rt.removePodSandbox(a.id);
    const ips = new Set<string>();
    for (let i = 0; i < 252; i++) ips.add((await rt.runPodSandbox(pod(`p${i}`), cfg, 0)).ips[0]!);
    expect(ips.has('10.244.3.2')).toBe(true);
    expect(ips.size).toBe(252);
    await expect(rt.runPodSandbox(pod('full'), cfg, 0)).rejects.toThrow(/no free pod IP/);
  });

  it('lists an image under its full name and as the pod spelled it', async () => {
    const rt = new FakeRuntime();
    await rt.pullImage('busybox');
    const [img] = await rt.listImages();
    expect(img!.names).toEqual(['docker.io/library/busybox:latest', 'busybox:latest']);
    expect(img!.id).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
