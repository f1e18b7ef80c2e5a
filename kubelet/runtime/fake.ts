// The runtime of simulated nodes (`capstan up --simulated-nodes N`), kwok-style: it runs nothing.
// Sandboxes get an IP from the node's pod CIDR; containers "start" at once and run until stopped,
// except for a small simulation so that Jobs can finish (see simulateCommand). Every image is
// present. Restarts, back-off and phases are the kubelet's business, as with a real runtime.
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex, Writable } from 'node:stream';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type {
  ContainerConfig, ContainerRuntime, LogOptions, RuntimeContainer, RuntimeEvent, RuntimeImage, RuntimePod,
  RuntimeStatus, RuntimeVersion, Sandbox, SandboxConfig, StreamIO,
} from './runtime.ts';

export const FAKE_RUNTIME_NAME = 'fake';
export const FAKE_RUNTIME_VERSION = '0.1.0';

/** What a simulated process does: run until stopped, or exit with `code` after `afterMs`. */
export type Simulation = { kind: 'forever' } | { kind: 'exit'; code: number; afterMs: number };

const FOREVER: Simulation = { kind: 'forever' };
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** `sleep` operands: seconds, with GNU / busybox suffixes s, m, h, d; undefined when unreadable. */
function sleepMs(operands: string[]): number | undefined {
  if (operands.length === 0) return undefined;
  let total = 0;
  for (const op of operands) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(op);
    if (!m) return undefined;
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
    total += Number(m[1]) * unit * 1000;
  }
  return total;
}

/** Splits a script into statements and the operator before each (`;`, `&&`, `||`), minding quotes. */
function splitScript(script: string): Array<{ op: ';' | '&&' | '||'; words: string[] }> | undefined {
  const out: Array<{ op: ';' | '&&' | '||'; words: string[] }> = [];
  let op: ';' | '&&' | '||' = ';';
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endStatement = (next: ';' | '&&' | '||') => {
    endWord();
    if (words.length) out.push({ op, words });
    else if (next !== ';') return false;
    words = [];
    op = next;
    return true;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") { quote = ch; inWord = true; continue; }
    if (ch === ';' || ch === '\n') { if (!endStatement(';')) return undefined; continue; }
    if ((ch === '&' || ch === '|') && script[i + 1] === ch) {
      if (!endStatement(ch === '&' ? '&&' : '||')) return undefined;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t') { endWord(); continue; }
    word += ch;
    inWord = true;
  }
  if (quote) return undefined;
  endWord();
  if (words.length) out.push({ op, words });
  return out;
}

/** A shell script made only of `true`, `false`, `:`, `echo …`, `sleep N` and `exit N`; anything else runs forever. */
function simulateScript(script: string): Simulation {
  const statements = splitScript(script);
  if (!statements) return FOREVER;
  let status = 0;
  let elapsed = 0;
  for (const { op, words } of statements) {
    if (op === '&&' && status !== 0) continue;
    if (op === '||' && status === 0) continue;
    const [cmd, ...rest] = words as [string, ...string[]];
    switch (cmd) {
      case 'true': case ':': status = 0; break;
      case 'false': status = 1; break;
      case 'echo': case 'printf':
        // Output is not kept, but a redirection to anything is harmless; pipes are not.
        if (rest.some((w) => w === '|')) return FOREVER;
        status = 0;
        break;
      case 'sleep': {
        const ms = sleepMs(rest);
        if (ms === undefined) return FOREVER;
        elapsed += ms;
        status = 0;
        break;
      }
      case 'exit': {
        if (rest.length > 1 || (rest.length === 1 && !/^\d+$/.test(rest[0]!))) return FOREVER;
        return { kind: 'exit', code: rest.length ? Number(rest[0]) & 0xff : status, afterMs: elapsed };
      }
      default:
        return FOREVER;
    }
  }
  return { kind: 'exit', code: status, afterMs: elapsed };
}

/**
 * The simulation, from the container's command and args (`command` then `args`, as the process
 * would see them): `true` exits 0, `false` exits 1, `sleep N` exits 0 after N seconds, and
 * `sh -c "<script>"` follows the script when it only uses true / false / : / echo / sleep N /
 * exit N joined by `;`, `&&`, `||`. Everything else — no command at all (the image's own), a
 * server, a loop — runs until stopped.
 */
export function simulateCommand(argv: string[]): Simulation {
  if (argv.length === 0) return FOREVER;
  const bin = basename(argv[0]!);
  if (bin === 'true') return { kind: 'exit', code: 0, afterMs: 0 };
  if (bin === 'false') return { kind: 'exit', code: 1, afterMs: 0 };
  if (bin === 'sleep') {
    const ms = sleepMs(argv.slice(1));
    return ms === undefined ? FOREVER : { kind: 'exit', code: 0, afterMs: ms };
  }
  if (SHELLS.has(bin)) {
    // sh -c SCRIPT, also with other single-letter flags alongside c (sh -ec SCRIPT).
    const i = argv.findIndex((a, idx) => idx > 0 && /^-[a-z]*c[a-z]*$/.test(a));
    if (i > 0 && argv[i + 1] !== undefined) return simulateScript(argv[i + 1]!);
  }
  return FOREVER;
}

/** Docker's reference normalisation: "busybox" → "docker.io/library/busybox:latest". */
export function normalizeImage(ref: string): string {
  let name = ref;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) { suffix = name.slice(at); name = name.slice(0, at); }
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) { suffix = name.slice(colon) + suffix; name = name.slice(0, colon); } else if (!suffix) suffix = ':latest';
  const first = name.split('/')[0]!;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  return name + suffix;
}

const newId = () => randomBytes(32).toString('hex');

interface FakeSandbox extends Sandbox { ip?: { pool: IPv4Pool; n: number } }
interface FakeContainer extends RuntimeContainer { simulation: Simulation; timer?: NodeJS.Timeout }

/** IPv4 addresses of one CIDR, handed out lowest first and reused after release. */
class IPv4Pool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 0;

  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`fake runtime: pod CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
    const bits = Number(m[5]);
    if (bits > 30) throw new Error(`fake runtime: pod CIDR ${cidr} is too small`);
    const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    this.base = (addr & mask) >>> 0;
    this.size = 2 ** (32 - bits);
  }

  /** Skips the network address, .1 (the bridge, as host-local IPAM leaves it) and broadcast. */
  allocate(): number {
    const usable = this.size - 3;
    for (let i = 0; i < usable; i++) {
      const n = 2 + ((this.next + i) % usable);
      if (!this.used.has(n)) {
        this.used.add(n);
        this.next = (n - 2 + 1) % usable;
        return n;
      }
    }
    throw new Error('fake runtime: no free pod IP in the pod CIDR');
  }

  release(n: number): void {
    this.used.delete(n);
  }

  format(n: number): string {
    const v = (this.base + n) >>> 0;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
}

export interface FakeRuntimeOptions {
  podCIDR?: string;
  now?: () => number;
}

export class FakeRuntime implements ContainerRuntime {
  private pool: IPv4Pool;
  private podCIDR: string;
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly images = new Map<string, RuntimeImage>();
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private readonly now: () => number;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.podCIDR = opts.podCIDR ?? '10.244.0.0/24';
    this.pool = new IPv4Pool(this.podCIDR);
    this.now = opts.now ?? Date.now;
  }

  async version(): Promise<RuntimeVersion> {
    return { runtimeName: FAKE_RUNTIME_NAME, runtimeVersion: FAKE_RUNTIME_VERSION };
  }

  async status(): Promise<RuntimeStatus> {
    return { ready: true };
  }

  async updateRuntimeConfig(cfg: { podCIDR: string }): Promise<void> {
    if (cfg.podCIDR === this.podCIDR) return;
    // Sandboxes that already have addresses keep them, and give them back to the old range.
    this.pool = new IPv4Pool(cfg.podCIDR);
    this.podCIDR = cfg.podCIDR;
  }

  async runPodSandbox(pod: V1Pod, cfg: SandboxConfig, attempt: number): Promise<Sandbox> {
    const id = newId();
    const sb: FakeSandbox = {
      id, podUid: pod.metadata?.uid ?? '', podName: pod.metadata?.name ?? '', podNamespace: pod.metadata?.namespace ?? '',
      attempt, state: 'ready', createdAt: this.now(), ips: [], hostNetwork: cfg.hostNetwork,
    };
    if (!cfg.hostNetwork) {
      const n = this.pool.allocate();
      sb.ip = { pool: this.pool, n };
      sb.ips = [this.pool.format(n)];
    }
    this.sandboxes.set(id, sb);
    this.emit({ type: 'SandboxReady', podUid: sb.podUid, id });
    return publicSandbox(sb);
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.sandboxId === id) this.exit(c, 137, 'Error');
    if (sb.state === 'notready') return;
    sb.state = 'notready';
    this.emit({ type: 'SandboxStopped', podUid: sb.podUid, id });
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) await this.removeContainer(c.id);
    sb.ip?.pool.release(sb.ip.n);
    this.sandboxes.delete(id);
    this.emit({ type: 'SandboxRemoved', podUid: sb.podUid, id });
  }

  async createContainer(sandbox: Sandbox, _pod: V1Pod, _container: V1Container, cfg: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(sandbox.id);
    if (!sb) throw new Error(`fake runtime: sandbox ${sandbox.id} not found`);
    if (sb.state !== 'ready') throw new Error(`fake runtime: sandbox ${sandbox.id} is not ready`);
    const id = newId();
    const image = this.remember(cfg.image);
    this.containers.set(id, {
      id, sandboxId: sb.id, podUid: sb.podUid, name: cfg.name, attempt: cfg.attempt, image: cfg.image, imageRef: image.id,
      state: 'created', createdAt: this.now(), simulation: simulateCommand([...cfg.command, ...cfg.args]),
    });
    this.emit({ type: 'ContainerCreated', podUid: sb.podUid, id });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new Error(`fake runtime: container ${id} not found`);
    if (c.state !== 'created') throw new Error(`fake runtime: container ${id} is ${c.state}, not created`);
    c.state = 'running';
    c.startedAt = this.now();
    this.emit({ type: 'ContainerStarted', podUid: c.podUid, id });
    const sim = c.simulation;
    if (sim.kind !== 'exit') return;
    // A process that exits at once has exited by the time anyone looks, as with a real runtime.
    if (sim.afterMs <= 0) this.exit(c, sim.code, sim.code === 0 ? 'Completed' : 'Error');
    else {
      c.timer = setTimeout(() => this.exit(c, sim.code, sim.code === 0 ? 'Completed' : 'Error'), sim.afterMs);
      c.timer.unref();
    }
  }

  /** A stopped container ends as if SIGKILLed: exit code 137. */
  async stopContainer(id: string, _graceSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new Error(`fake runtime: container ${id} not found`);
    this.exit(c, 137, 'Error');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.timer) clearTimeout(c.timer);
    this.containers.delete(id);
    this.emit({ type: 'ContainerRemoved', podUid: c.podUid, id });
  }

  async podStatus(podUid: string): Promise<RuntimePod | undefined> {
    return this.collect((uid) => uid === podUid)[0];
  }

  async list(): Promise<RuntimePod[]> {
    return this.collect(() => true);
  }

  async hasImage(_ref: string): Promise<boolean> {
    return true;
  }

  async pullImage(ref: string): Promise<void> {
    this.remember(ref);
  }

  async listImages(): Promise<RuntimeImage[]> {
    return [...this.images.values()].map((i) => ({ ...i, names: [...i.names] })).sort((a, b) => b.sizeBytes - a.sizeBytes);
  }

  /** Simulated containers write nothing. */
  async logs(containerId: string, _o: LogOptions, _out: Writable, _signal: AbortSignal): Promise<void> {
    if (!this.containers.has(containerId)) throw new Error(`fake runtime: container ${containerId} not found`);
  }

  /** Follows the same simulation as containers: `sh -c "exit 3"` returns 3; anything unknown returns 0 at once. */
  async exec(containerId: string, cmd: string[], _io: StreamIO, signal: AbortSignal): Promise<number> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`fake runtime: container ${containerId} not found`);
    if (c.state !== 'running') throw new Error(`fake runtime: container ${containerId} is not running`);
    const sim = simulateCommand(cmd);
    if (sim.kind === 'forever') return 0;
    if (sim.afterMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, sim.afterMs);
        function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return sim.code;
  }

  async portForward(_sandboxId: string, _port: number, socket: Duplex): Promise<void> {
    socket.destroy();
    throw new Error('fake runtime: simulated pods have no ports to forward');
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (ev: RuntimeEvent) => {
      queue.push(ev);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.listeners.add(listener);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => { wake = resolve; });
          wake = undefined;
          continue;
        }
        yield queue.shift()!;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private exit(c: FakeContainer, code: number, reason: string): void {
    if (c.timer) { clearTimeout(c.timer); c.timer = undefined; }
    if (c.state === 'exited') return;
    const now = this.now();
    c.startedAt ??= now;
    c.state = 'exited';
    c.finishedAt = now;
    c.exitCode = code;
    c.reason = reason;
    this.emit({ type: 'ContainerDied', podUid: c.podUid, id: c.id });
  }

  private remember(ref: string): RuntimeImage {
    const full = normalizeImage(ref);
    let image = this.images.get(full);
    if (!image) {
      const digest = createHash('sha256').update(full).digest();
      // A stable size per image, 5–200 MB, so that image locality has something to weigh.
      const sizeBytes = 5_000_000 + (digest.readUInt32BE(0) % 195_000_000);
      image = { id: `sha256:${digest.toString('hex')}`, names: [full], sizeBytes };
      this.images.set(full, image);
    }
    // Also list the name as the pod spelled it (with its tag), which is what image locality matches.
    const asWritten = ref.includes('@') || /:[^/]+$/.test(ref) ? ref : `${ref}:latest`;
    if (!image.names.includes(asWritten) && image.names.length < 5) image.names.push(asWritten);
    return image;
  }

  private collect(match: (uid: string) => boolean): RuntimePod[] {
    const pods = new Map<string, RuntimePod>();
    const podOf = (uid: string, sb?: Sandbox) => {
      let p = pods.get(uid);
      if (!p) pods.set(uid, (p = { uid, name: sb?.podName ?? '', namespace: sb?.podNamespace ?? '', sandboxes: [], containers: [] }));
      return p;
    };
    for (const sb of this.sandboxes.values()) if (match(sb.podUid)) podOf(sb.podUid, sb).sandboxes.push(publicSandbox(sb));
    for (const c of this.containers.values()) {
      if (!match(c.podUid)) continue;
      const { simulation: _s, timer: _t, ...pub } = c;
      podOf(c.podUid).containers.push(pub);
    }
    return [...pods.values()];
  }

  private emit(ev: RuntimeEvent): void {
    for (const l of this.listeners) l(ev);
  }
}

function publicSandbox(sb: FakeSandbox): Sandbox {
  const { ip: _ip, ...pub } = sb;
  return { ...pub, ips: [...pub.ips] };
}
