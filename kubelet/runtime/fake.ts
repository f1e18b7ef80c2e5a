// The runtime of simulated nodes (`capstan up --simulated-nodes N`), kwok-style: it runs nothing.
// Sandboxes get an IP from the node's pod CIDR; containers "start" at once and run until stopped,
// except for a small simulation so that Jobs can finish (see simulateCommand). Every image is
// present. Restarts, back-off and phases are the kubelet's business, as with a real runtime.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import type { Duplex, Writable } from 'node:stream';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type {
  ContainerConfig, ContainerRuntime, LogOptions, RuntimeContainer, RuntimeEvent, RuntimeImage, RuntimePod,
  RuntimeStatus, RuntimeVersion, Sandbox, SandboxConfig, StreamIO,
} from './runtime.ts';

export const FAKE_RUNTIME_NAME = 'fake';
export const FAKE_RUNTIME_VERSION = '0.1.0';

/** A file the simulated process changes, at `atMs` after it started (`>`, `>>`, `touch`, `rm`). */
export interface FileWrite { atMs: number; path: string; op: 'write' | 'append' | 'remove'; data: string }

/** What a simulated process does: run until stopped, or exit with `code` after `afterMs`; and the files it writes. */
export type Simulation =
  | { kind: 'forever'; writes?: FileWrite[] }
  | { kind: 'exit'; code: number; afterMs: number; writes?: FileWrite[] };

/** Whether a file exists, for `cat`, `test -f` and `[ -e … ]`; undefined when the simulation cannot know. */
export type FileProbe = (path: string) => boolean | undefined;

const FOREVER: Simulation = { kind: 'forever' };
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** `sleep` operands: seconds, with GNU / busybox suffixes s, m, h, d; undefined when unreadable. */
export function sleepMs(operands: string[]): number | undefined {
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

/** Splits `words` at an output redirection: the command's own words, and where its output goes. */
function redirection(words: string[]): { words: string[]; target?: { path: string; append: boolean } } | undefined {
  for (let i = 0; i < words.length; i++) {
    const m = /^(>>?)(.*)$/.exec(words[i]!);
    if (!m) continue;
    const path = m[2] || words[i + 1];
    const rest = m[2] ? words.slice(i + 1) : words.slice(i + 2);
    if (!path || rest.length) return undefined;
    return { words: words.slice(0, i), target: { path, append: m[1] === '>>' } };
  }
  return { words };
}

/** `printf` without conversions: its format with \\n and \\t escapes. */
const printfText = (args: string[]) => (args[0] ?? '').replace(/\\n/g, '\n').replace(/\\t/g, '\t');

/**
 * A shell script made only of `true`, `false`, `:`, `echo …`, `printf …` (optionally redirected
 * to a file), `touch`, `rm -f`, `cat FILE`, `test -e|-f FILE`, `[ -e|-f FILE ]`, `sleep N` and
 * `exit N`; anything else runs forever (with the files written up to there).
 */
function simulateScript(script: string, fileExists?: FileProbe): Simulation {
  const statements = splitScript(script);
  if (!statements) return FOREVER;
  let status = 0;
  let elapsed = 0;
  const writes: FileWrite[] = [];
  const withWrites = <T extends Simulation>(sim: T): T => (writes.length ? { ...sim, writes } : sim);
  const forever = () => withWrites<Simulation>({ kind: 'forever' });
  const exists = (path: string | undefined) => (path === undefined ? undefined : fileExists?.(path));
  for (const { op, words: all } of statements) {
    if (op === '&&' && status !== 0) continue;
    if (op === '||' && status === 0) continue;
    const r = redirection(all);
    if (!r || r.words.length === 0) return forever();
    const [cmd, ...rest] = r.words as [string, ...string[]];
    if (r.target && cmd !== 'echo' && cmd !== 'printf') return forever();
    switch (cmd) {
      case 'true': case ':': status = 0; break;
      case 'false': status = 1; break;
      case 'echo': case 'printf': {
        if (rest.some((w) => w === '|')) return forever();
        const text = cmd === 'echo' ? `${(rest[0] === '-n' ? rest.slice(1) : rest).join(' ')}${rest[0] === '-n' ? '' : '\n'}` : printfText(rest);
        if (r.target) writes.push({ atMs: elapsed, path: r.target.path, op: r.target.append ? 'append' : 'write', data: text });
        status = 0;
        break;
      }
      case 'touch':
        if (rest.length === 0) return forever();
        for (const path of rest) writes.push({ atMs: elapsed, path, op: 'append', data: '' });
        status = 0;
        break;
      case 'rm': {
        const paths = rest.filter((w) => !/^-[rf]+$/.test(w));
        if (paths.length === 0) return forever();
        for (const path of paths) writes.push({ atMs: elapsed, path, op: 'remove', data: '' });
        status = 0;
        break;
      }
      case 'cat': case 'test': case '[': {
        const operands = cmd === '[' ? (rest.at(-1) === ']' ? rest.slice(0, -1) : undefined) : rest;
        if (!operands) return forever();
        const path = cmd === 'cat' ? (operands.length === 1 ? operands[0] : undefined)
          : operands.length === 2 && (operands[0] === '-e' || operands[0] === '-f') ? operands[1] : undefined;
        // Files written earlier in this same script count, the filesystem is asked about the rest.
        const own = [...writes].reverse().find((w) => w.path === path);
        const found = own ? own.op !== 'remove' : exists(path);
        if (found === undefined) return forever();
        status = found ? 0 : 1;
        break;
      }
      case 'sleep': {
        const ms = sleepMs(rest);
        if (ms === undefined) return forever();
        elapsed += ms;
        status = 0;
        break;
      }
      case 'exit': {
        if (rest.length > 1 || (rest.length === 1 && !/^\d+$/.test(rest[0]!))) return forever();
        return withWrites<Simulation>({ kind: 'exit', code: rest.length ? Number(rest[0]) & 0xff : status, afterMs: elapsed });
      }
      default:
        return forever();
    }
  }
  return withWrites<Simulation>({ kind: 'exit', code: status, afterMs: elapsed });
}

/**
 * The simulation, from the container's command and args (`command` then `args`, as the process
 * would see them): `true` exits 0, `false` exits 1, `sleep N` exits 0 after N seconds, and
 * `sh -c "<script>"` follows the script when it only uses the commands simulateScript knows.
 * Everything else — no command at all (the image's own), a server, a loop — runs until stopped.
 * `fileExists` answers `cat` / `test` about files in the container's mounts.
 */
export function simulateCommand(argv: string[], fileExists?: FileProbe): Simulation {
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
    if (i > 0 && argv[i + 1] !== undefined) return simulateScript(argv[i + 1]!, fileExists);
    return FOREVER;
  }
  if (bin === 'cat' || bin === 'test' || bin === '[' || bin === 'touch' || bin === 'rm') {
    const quoted = argv.map((a) => (/[\s;&|]/.test(a) ? `'${a}'` : a));
    return simulateScript([bin, ...quoted.slice(1)].join(' '), fileExists);
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
interface FakeContainer extends RuntimeContainer { simulation: Simulation; timer?: NodeJS.Timeout; mounts: ContainerConfig['mounts']; writeTimers: NodeJS.Timeout[] }

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
  /**
   * Test hook: the address a pod's sandbox gets instead of one from the pod CIDR (e.g. 127.0.0.1,
   * so that httpGet / tcpSocket probes and hooks reach a server the test runs). Undefined: the pool's.
   */
  sandboxIP?: (pod: V1Pod) => string | undefined;
  /** Images that are not on the node until pulled (default: every image is present). */
  absentImages?: (ref: string) => boolean;
  /** Why pulling this image fails (the registry's error), or undefined when it can be pulled. */
  pullError?: (ref: string) => string | undefined;
}

/** Test hook on exec: an exit code for the command, or undefined to simulate it as usual. */
export type ExecHook = (c: { id: string; name: string; podUid: string }, cmd: string[]) => number | undefined;

/** The host file behind a container path, through the container's bind mounts (longest match). */
export function hostPathOf(mounts: ContainerConfig['mounts'], containerPath: string): { hostPath: string; readOnly: boolean } | undefined {
  let best: ContainerConfig['mounts'][number] | undefined;
  for (const m of mounts) {
    const cp = m.containerPath.replace(/\/+$/, '');
    if (containerPath !== cp && !containerPath.startsWith(`${cp}/`)) continue;
    if (!best || cp.length > best.containerPath.replace(/\/+$/, '').length) best = m;
  }
  if (!best) return undefined;
  const rest = containerPath.slice(best.containerPath.replace(/\/+$/, '').length);
  return { hostPath: best.hostPath + rest, readOnly: best.readOnly };
}

export class FakeRuntime implements ContainerRuntime {
  private pool: IPv4Pool;
  private podCIDR: string;
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly images = new Map<string, RuntimeImage>();
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private readonly now: () => number;
  private readonly configs = new Map<string, ContainerConfig>();
  private readonly pulled = new Set<string>();
  /** Test hook: decides the exit code of exec commands it recognises (probes, hooks). */
  onExec?: ExecHook;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {
    this.podCIDR = opts.podCIDR ?? '10.244.0.0/24';
    this.pool = new IPv4Pool(this.podCIDR);
    this.now = opts.now ?? Date.now;
  }

  /** The configuration a container was created with, as the kubelet handed it over (tests inspect env and mounts). */
  config(containerId: string): ContainerConfig | undefined {
    const c = this.configs.get(containerId);
    return c ? structuredClone(c) : undefined;
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
    const fixed = cfg.hostNetwork ? undefined : this.opts.sandboxIP?.(pod);
    if (fixed) sb.ips = [fixed];
    else if (!cfg.hostNetwork) {
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
    const mounts = structuredClone(cfg.mounts);
    this.containers.set(id, {
      id, sandboxId: sb.id, podUid: sb.podUid, name: cfg.name, attempt: cfg.attempt, image: cfg.image, imageRef: image.id,
      state: 'created', createdAt: this.now(), simulation: simulateCommand([...cfg.command, ...cfg.args], (p) => fileExists(mounts, p)),
      mounts, writeTimers: [],
    });
    this.configs.set(id, structuredClone(cfg));
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
    c.writeTimers = applyWrites(c.mounts, sim.writes);
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
    for (const t of c.writeTimers) clearTimeout(t);
    this.containers.delete(id);
    this.configs.delete(id);
    this.emit({ type: 'ContainerRemoved', podUid: c.podUid, id });
  }

  async podStatus(podUid: string): Promise<RuntimePod | undefined> {
    return this.collect((uid) => uid === podUid)[0];
  }

  async list(): Promise<RuntimePod[]> {
    return this.collect(() => true);
  }

  async hasImage(ref: string): Promise<boolean> {
    return !this.opts.absentImages?.(ref) || this.pulled.has(normalizeImage(ref));
  }

  async pullImage(ref: string): Promise<void> {
    const err = this.opts.pullError?.(ref);
    if (err !== undefined) throw new Error(err);
    this.pulled.add(normalizeImage(ref));
    this.remember(ref);
  }

  async listImages(): Promise<RuntimeImage[]> {
    return [...this.images.values()].map((i) => ({ ...i, names: [...i.names] })).sort((a, b) => b.sizeBytes - a.sizeBytes);
  }

  /** Simulated containers write nothing. */
  async logs(containerId: string, _o: LogOptions, _out: Writable, _signal: AbortSignal): Promise<void> {
    if (!this.containers.has(containerId)) throw new Error(`fake runtime: container ${containerId} not found`);
  }

  /**
   * Follows the same simulation as containers: `sh -c "exit 3"` returns 3, `cat /data/f` asks the
   * mounted volume, writes land in mounted volumes; anything unknown returns 0 at once. The
   * onExec hook, when set, decides first.
   */
  async exec(containerId: string, cmd: string[], _io: StreamIO, signal: AbortSignal): Promise<number> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`fake runtime: container ${containerId} not found`);
    if (c.state !== 'running') throw new Error(`fake runtime: container ${containerId} is not running`);
    const hooked = this.onExec?.({ id: c.id, name: c.name, podUid: c.podUid }, cmd);
    if (hooked !== undefined) return hooked;
    const sim = simulateCommand(cmd, (p) => fileExists(c.mounts, p));
    applyWrites(c.mounts, sim.writes);
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
    for (const t of c.writeTimers) clearTimeout(t);
    c.writeTimers = [];
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
      const { simulation: _s, timer: _t, mounts: _m, writeTimers: _w, ...pub } = c;
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

/** A file under one of the container's mounts exists; undefined for paths outside every mount. */
function fileExists(mounts: ContainerConfig['mounts'], containerPath: string): boolean | undefined {
  const h = hostPathOf(mounts, containerPath);
  return h ? existsSync(h.hostPath) : undefined;
}

/** Carries out a simulation's file writes that land in writable mounts, each at its time. */
function applyWrites(mounts: ContainerConfig['mounts'], writes: FileWrite[] | undefined): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  for (const w of writes ?? []) {
    const h = hostPathOf(mounts, w.path);
    if (!h || h.readOnly) continue;
    const apply = () => {
      try {
        if (w.op === 'remove') rmSync(h.hostPath, { force: true });
        else if (w.op === 'append') appendFileSync(h.hostPath, w.data);
        else writeFileSync(h.hostPath, w.data);
      } catch { /* the simulated command fails quietly, as a shell redirection would print and go on */ }
    };
    if (w.atMs <= 0) apply();
    else {
      const t = setTimeout(apply, w.atMs);
      t.unref();
      timers.push(t);
    }
  }
  return timers;
}
