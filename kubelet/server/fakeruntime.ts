// The fake runtime with streams, so that logs, exec, attach, cp and port-forward work end to end
// without Docker: a simulated container prints what its `echo`s say (at the times its `sleep`s
// say) into a log kept like Docker's json-file log; exec runs a small shell (echo, printf, cat,
// test, ls, mkdir, touch, rm, tar, sleep, exit) over a per-container in-memory filesystem — with
// paths under the container's mounts on the host, as the plain fake runtime treats them — and real
// stdin / stdout / stderr; attach follows the main process's output (and feeds stdin to a `cat`);
// port-forward connects to a TCP address the caller names. Anything the shell does not know goes
// to the plain fake runtime's simulation.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { FakeRuntime, hostPathOf, sleepMs, type FakeRuntimeOptions } from '../runtime/fake.ts';
import type { ContainerConfig, LogOptions, Sandbox, StreamIO } from '../runtime/runtime.ts';

export interface StreamingFakeRuntimeOptions extends FakeRuntimeOptions {
  /** Where a pod's port really is (e.g. a server the test runs on loopback); undefined: nothing listens. */
  forwardPort?: (sandbox: Sandbox, port: number) => { host: string; port: number } | undefined;
}

interface LogEntry { time: number; stream: 'stdout' | 'stderr'; data: Buffer }

type FsNode = { type: 'dir'; mtime: number } | { type: 'file'; data: Buffer; mode: number; mtime: number };

/** A container's root filesystem: in memory, except under its mounts, which are host paths. */
class FakeFs {
  private readonly nodes = new Map<string, FsNode>();

  constructor(private readonly mounts: ContainerConfig['mounts'], now: number) {
    for (const d of ['/', '/bin', '/dev', '/etc', '/home', '/proc', '/root', '/sys', '/tmp', '/usr', '/var', '/var/log']) this.nodes.set(d, { type: 'dir', mtime: now });
    for (const m of mounts) this.mkdirp(m.containerPath.replace(/\/+$/, '') || '/', now);
  }

  static normalize(p: string, cwd = '/'): string {
    const abs = path.posix.resolve(cwd, p);
    return abs === '/' ? '/' : abs.replace(/\/+$/, '');
  }

  private host(p: string): { hostPath: string; readOnly: boolean } | undefined {
    return hostPathOf(this.mounts, p);
  }

  stat(p: string): FsNode | undefined {
    const h = this.host(p);
    if (h) {
      try {
        const s = statSync(h.hostPath);
        return s.isDirectory() ? { type: 'dir', mtime: s.mtimeMs } : { type: 'file', data: Buffer.alloc(0), mode: s.mode & 0o777, mtime: s.mtimeMs };
      } catch {
        return undefined;
      }
    }
    return this.nodes.get(p);
  }

  read(p: string): Buffer | undefined {
    const h = this.host(p);
    if (h) {
      try { return readFileSync(h.hostPath); } catch { return undefined; }
    }
    const n = this.nodes.get(p);
    return n?.type === 'file' ? n.data : undefined;
  }

  /** Writes a file whose directory exists; false otherwise. */
  write(p: string, data: Buffer, now: number, mode = 0o644): boolean {
    const h = this.host(p);
    if (h) {
      if (h.readOnly) return false;
      try { writeFileSync(h.hostPath, data); return true; } catch { return false; }
    }
    if (this.stat(path.posix.dirname(p))?.type !== 'dir') return false;
    if (this.nodes.get(p)?.type === 'dir') return false;
    this.nodes.set(p, { type: 'file', data, mode, mtime: now });
    return true;
  }

  mkdirp(p: string, now: number): boolean {
    const parts = p.split('/').filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += `/${part}`;
      const h = this.host(cur);
      if (h) {
        if (h.readOnly) continue;
        try { mkdirSync(h.hostPath, { recursive: true }); } catch { return false; }
        continue;
      }
      const n = this.nodes.get(cur);
      if (n?.type === 'file') return false;
      if (!n) this.nodes.set(cur, { type: 'dir', mtime: now });
    }
    return true;
  }

  remove(p: string): void {
    const h = this.host(p);
    if (h) {
      if (!h.readOnly) rmSync(h.hostPath, { recursive: true, force: true });
      return;
    }
    for (const k of [...this.nodes.keys()]) if (k === p || k.startsWith(`${p}/`)) this.nodes.delete(k);
  }

  /** Names in a directory, sorted. */
  list(p: string): string[] {
    const h = this.host(p);
    if (h) {
      try { return readdirSync(h.hostPath).sort(); } catch { return []; }
    }
    const prefix = p === '/' ? '/' : `${p}/`;
    const names = new Set<string>();
    for (const k of this.nodes.keys()) {
      if (k !== p && k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
    }
    for (const m of this.mounts) {
      const cp = m.containerPath.replace(/\/+$/, '');
      if (cp.startsWith(prefix)) names.add(cp.slice(prefix.length).split('/')[0]!);
    }
    return [...names].filter(Boolean).sort();
  }
}

/** Statements of a script and the operator before each (`;`, `&&`, `||`); undefined when unreadable. */
function statements(script: string): Array<{ op: ';' | '&&' | '||'; words: string[] }> | undefined {
  const out: Array<{ op: ';' | '&&' | '||'; words: string[] }> = [];
  let op: ';' | '&&' | '||' = ';';
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => { if (inWord) words.push(word); word = ''; inWord = false; };
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
      else if (ch === '\\' && quote === '"' && (script[i + 1] === '"' || script[i + 1] === '\\')) word += script[++i];
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
    // Pipes, redirections, backgrounding and substitutions are beyond this shell.
    if ('|&<>`$(){}'.includes(ch)) return undefined;
    if (ch === ' ' || ch === '\t') { endWord(); continue; }
    word += ch;
    inWord = true;
  }
  if (quote) return undefined;
  endWord();
  if (words.length) out.push({ op, words });
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);
const BUILTINS = new Set(['echo', 'printf', 'true', ':', 'false', 'exit', 'sleep', 'cat', 'test', '[', 'mkdir', 'touch', 'rm', 'ls', 'tar']);

/** The script a command line runs, if it is `sh -c SCRIPT` or a single builtin; undefined otherwise. */
function scriptOf(argv: string[]): Array<{ op: ';' | '&&' | '||'; words: string[] }> | undefined {
  if (argv.length === 0) return undefined;
  const bin = path.posix.basename(argv[0]!);
  if (SHELLS.has(bin)) {
    const i = argv.findIndex((a, idx) => idx > 0 && /^-[a-z]*c[a-z]*$/.test(a));
    return i > 0 && argv[i + 1] !== undefined ? statements(argv[i + 1]!) : undefined;
  }
  return [{ op: ';', words: [bin, ...argv.slice(1)] }];
}

/** Every statement is a builtin this shell runs (so running it has no effect the plain fake would miss). */
const runnable = (s: Array<{ words: string[] }> | undefined): s is Array<{ op: ';' | '&&' | '||'; words: string[] }> =>
  !!s && s.every((st) => BUILTINS.has(st.words[0]!));

interface Proc {
  fs: FakeFs;
  stdin?: Readable;
  out(data: Buffer | string): void;
  err(data: Buffer | string): void;
  sleep(ms: number): Promise<boolean>;
  now(): number;
}

class Exit {
  constructor(readonly code: number) {}
}

const escapes = (s: string) => s.replace(/\\(n|t|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));

async function readAll(r: Readable | undefined): Promise<Buffer> {
  if (!r) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Runs a script of builtins; resolves with its exit status. */
async function runScript(script: Array<{ op: ';' | '&&' | '||'; words: string[] }>, p: Proc): Promise<number> {
  let status = 0;
  try {
    for (const { op, words } of script) {
      if (op === '&&' && status !== 0) continue;
      if (op === '||' && status === 0) continue;
      status = await builtin(words, p);
    }
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
  return status;
}

async function builtin(words: string[], p: Proc): Promise<number> {
  const [cmd, ...args] = words as [string, ...string[]];
  const abs = (x: string) => FakeFs.normalize(x);
  switch (cmd) {
    case 'true': case ':': return 0;
    case 'false': return 1;
    case 'exit': throw new Exit(args.length ? Number(args[0]) & 0xff : 0);
    case 'echo': {
      const n = args[0] === '-n';
      p.out(`${(n ? args.slice(1) : args).join(' ')}${n ? '' : '\n'}`);
      return 0;
    }
    case 'printf': {
      let i = 1;
      const text = escapes(args[0] ?? '').replace(/%[sd%]/g, (m) => (m === '%%' ? '%' : args[i++] ?? ''));
      p.out(text);
      return 0;
    }
    case 'sleep': {
      const ms = sleepMs(args);
      if (ms === undefined) { p.err(`sleep: invalid number '${args.join(' ')}'\n`); return 1; }
      return (await p.sleep(ms)) ? 0 : 143;
    }
    case 'cat': {
      if (args.length === 0 || (args.length === 1 && args[0] === '-')) {
        for await (const c of p.stdin ?? []) p.out(c as Buffer);
        return 0;
      }
      let status = 0;
      for (const a of args) {
        const node = p.fs.stat(abs(a));
        if (node?.type === 'dir') { p.err(`cat: read error: Is a directory\n`); status = 1; continue; }
        const data = p.fs.read(abs(a));
        if (data === undefined) { p.err(`cat: can't open '${a}': No such file or directory\n`); status = 1; continue; }
        p.out(data);
      }
      return status;
    }
    case 'test': case '[': {
      const ops = cmd === '[' ? (args.at(-1) === ']' ? args.slice(0, -1) : undefined) : args;
      if (!ops) return 2;
      return testExpr(ops, p) ? 0 : 1;
    }
    case 'mkdir': {
      const parents = args.includes('-p');
      let status = 0;
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        const t = abs(a);
        if (!parents && p.fs.stat(path.posix.dirname(t))?.type !== 'dir') { p.err(`mkdir: can't create directory '${a}': No such file or directory\n`); status = 1; continue; }
        if (!parents && p.fs.stat(t)) { p.err(`mkdir: can't create directory '${a}': File exists\n`); status = 1; continue; }
        if (!p.fs.mkdirp(t, p.now())) status = 1;
      }
      return status;
    }
    case 'touch': {
      let status = 0;
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        const t = abs(a);
        if (!p.fs.stat(t) && !p.fs.write(t, Buffer.alloc(0), p.now())) { p.err(`touch: ${a}: No such file or directory\n`); status = 1; }
      }
      return status;
    }
    case 'rm': {
      const force = args.some((a) => /^-[a-z]*f/.test(a));
      let status = 0;
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        if (!p.fs.stat(abs(a))) { if (!force) { p.err(`rm: can't remove '${a}': No such file or directory\n`); status = 1; } continue; }
        p.fs.remove(abs(a));
      }
      return status;
    }
    case 'ls': {
      const targets = args.filter((x) => !x.startsWith('-'));
      let status = 0;
      for (const a of targets.length ? targets : ['/']) {
        const node = p.fs.stat(abs(a));
        if (!node) { p.err(`ls: ${a}: No such file or directory\n`); status = 1; continue; }
        if (node.type === 'file') p.out(`${a}\n`);
        else for (const n of p.fs.list(abs(a))) p.out(`${n}\n`);
      }
      return status;
    }
    case 'tar':
      return tar(args, p);
    default:
      p.err(`sh: ${cmd}: not found\n`);
      return 127;
  }
}

function testExpr(ops: string[], p: Proc): boolean {
  if (ops[0] === '!') return !testExpr(ops.slice(1), p);
  if (ops.length === 2) {
    const node = ops[0]!.startsWith('-') ? p.fs.stat(FakeFs.normalize(ops[1]!)) : undefined;
    switch (ops[0]) {
      case '-e': return !!node;
      case '-d': return node?.type === 'dir';
      case '-f': return node?.type === 'file';
      case '-s': return node?.type === 'file' && (p.fs.read(FakeFs.normalize(ops[1]!))?.length ?? 0) > 0;
      case '-z': return ops[1] === '';
      case '-n': return ops[1] !== '';
      default: return false;
    }
  }
  if (ops.length === 3) {
    if (ops[1] === '=' || ops[1] === '==') return ops[0] === ops[2];
    if (ops[1] === '!=') return ops[0] !== ops[2];
  }
  return ops.length === 1 && ops[0] !== '';
}

// --- tar (ustar, with PAX and GNU long names read) --------------------------------------------

const BLOCK = 512;

function tarHeader(name: string, type: '0' | '5', size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2 > 155 ? 155 : name.length - 2);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const field = (off: number, len: number, value: string) => h.write(value, off, len, 'utf8');
  const octal = (off: number, len: number, n: number) => field(off, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
  field(0, 100, base);
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, Math.floor(mtime / 1000));
  h.fill(0x20, 148, 156);
  field(156, 1, type);
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  field(265, 32, 'root');
  field(297, 32, 'root');
  field(345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function tarCreate(fs: FakeFs, roots: string[], err: (s: string) => void): Buffer | undefined {
  const parts: Buffer[] = [];
  let ok = true;
  const add = (abs: string, name: string) => {
    const node = fs.stat(abs);
    if (!node) { err(`tar: ${name}: No such file or directory\n`); ok = false; return; }
    if (node.type === 'dir') {
      parts.push(tarHeader(`${name}/`, '5', 0, 0o755, node.mtime));
      for (const child of fs.list(abs)) add(abs === '/' ? `/${child}` : `${abs}/${child}`, `${name}/${child}`);
      return;
    }
    const data = fs.read(abs) ?? Buffer.alloc(0);
    parts.push(tarHeader(name, '0', data.length, node.mode, node.mtime), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  };
  for (const r of roots) {
    const abs = FakeFs.normalize(r);
    // As GNU and busybox tar do, member names lose their leading "/".
    add(abs, abs.replace(/^\/+/, '') || '.');
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return ok ? Buffer.concat(parts) : undefined;
}

function tarExtract(fs: FakeFs, archive: Buffer, dir: string, now: number): string | undefined {
  let off = 0;
  let longName: string | undefined;
  while (off + BLOCK <= archive.length) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const str = (o: number, l: number) => { const s = h.toString('utf8', o, o + l); const z = s.indexOf('\0'); return z >= 0 ? s.slice(0, z) : s; };
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const type = str(156, 1) || '0';
    const prefix = str(257, 6).startsWith('ustar') ? str(345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = undefined;
    const mode = parseInt(str(100, 8).trim() || '644', 8) & 0o777;
    const data = archive.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'L') { longName = data.toString('utf8').replace(/\0+$/, ''); continue; }
    if (type === 'g') continue;
    name = name.replace(/^\/+/, '');
    const target = FakeFs.normalize(name, dir);
    if (type === '5') { if (!fs.mkdirp(target, now)) return `tar: ${name}: Cannot mkdir`; continue; }
    if (type !== '0' && type !== '7') continue;
    fs.mkdirp(path.posix.dirname(target), now);
    if (!fs.write(target, Buffer.from(data), now, mode || 0o644)) return `tar: ${name}: Cannot open: No such file or directory`;
  }
  return undefined;
}

/** tar c / x with f - (stdin or stdout), -C DIR and paths; other letters and long options are accepted and ignored. */
async function tar(args: string[], p: Proc): Promise<number> {
  let mode: 'c' | 'x' | 't' | undefined;
  let file: string | undefined;
  let dir = '/';
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) continue;
    if (a === '-C') { dir = FakeFs.normalize(args[++i] ?? '/'); continue; }
    if ((a.startsWith('-') && a.length > 1) || (i === 0 && /^[a-zA-Z]+$/.test(a))) {
      for (const l of a.replace(/^-/, '')) {
        if (l === 'c' || l === 'x' || l === 't') mode = l;
        else if (l === 'f') file = args[++i];
        else if (l === 'z' || l === 'j') { p.err('tar: compression is not supported here\n'); return 2; }
      }
      continue;
    }
    paths.push(a);
  }
  if (!mode) { p.err('tar: need exactly one of -c, -x or -t\n'); return 2; }
  if (file !== undefined && file !== '-') { p.err(`tar: ${file}: only stdin and stdout are supported here\n`); return 2; }
  if (p.fs.stat(dir)?.type !== 'dir') { p.err(`tar: ${dir}: Cannot open: No such file or directory\n`); return 2; }
  if (mode === 'c') {
    const archive = tarCreate(p.fs, paths.map((x) => FakeFs.normalize(x, dir)), (s) => p.err(s));
    if (!archive) return 2;
    p.out(archive);
    return 0;
  }
  const archive = await readAll(p.stdin);
  if (mode === 't') return 0;
  const problem = tarExtract(p.fs, archive, dir, p.now());
  if (problem) { p.err(`${problem}\n`); return 2; }
  return 0;
}

// --- the runtime ------------------------------------------------------------------------------

/** Go's time.RFC3339Nano (trailing zeros of the fraction dropped), as Docker timestamps log lines. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

interface ContainerStreams {
  log: LogEntry[];
  followers: Set<(e: LogEntry | undefined) => void>;
  exited: boolean;
  fs: FakeFs;
  /** Stops the main process's output (the container was stopped). */
  stop: AbortController;
  /** The main process reads stdin (it is `cat`): what attach sends is echoed. */
  echoesStdin: boolean;
}

export class StreamingFakeRuntime extends FakeRuntime {
  private readonly io = new Map<string, ContainerStreams>();
  private readonly clock: () => number;
  private readonly forwardPort?: StreamingFakeRuntimeOptions['forwardPort'];

  constructor(o: StreamingFakeRuntimeOptions = {}) {
    super(o);
    this.clock = o.now ?? Date.now;
    this.forwardPort = o.forwardPort;
    void this.watchExits();
  }

  /** Test hook: the container wrote this (split into lines, as Docker's log driver stores them). */
  writeLog(containerId: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const s = this.io.get(containerId);
    if (!s || s.exited) throw new Error(`fake runtime: container ${containerId} is not running`);
    this.append(s, stream, Buffer.from(text));
  }

  /** How many attach sessions follow the container's output now (tests wait for one before writing). */
  attached(containerId: string): number {
    return this.io.get(containerId)?.followers.size ?? 0;
  }

  override async startContainer(id: string): Promise<void> {
    const cfg = this.config(id);
    const s: ContainerStreams = {
      log: [], followers: new Set(), exited: false, fs: new FakeFs(cfg?.mounts ?? [], this.clock()), stop: new AbortController(), echoesStdin: false,
    };
    const argv = [...(cfg?.command ?? []), ...(cfg?.args ?? [])];
    s.echoesStdin = argv.length === 1 && path.posix.basename(argv[0]!) === 'cat';
    this.io.set(id, s);
    // The main process's output is produced before the plain runtime decides its exit, so a
    // process that prints and exits at once has printed by the time it has exited.
    const script = scriptOf(argv);
    const printing = runnable(script) ? this.runMain(s, script) : undefined;
    await super.startContainer(id);
    void printing;
  }

  override async removeContainer(id: string): Promise<void> {
    const s = this.io.get(id);
    if (s) this.finish(s);
    this.io.delete(id);
    await super.removeContainer(id);
  }

  override async logs(containerId: string, o: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    await super.logs(containerId, o, out, signal);
    const s = this.io.get(containerId);
    if (!s) return;
    let budget = o.limitBytes ?? Infinity;
    const emit = (e: LogEntry): boolean => {
      let data = o.timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(e.time)} `), e.data]) : e.data;
      if (data.length > budget) data = data.subarray(0, budget);
      budget -= data.length;
      if (data.length) out.write(data);
      return budget > 0;
    };
    let entries = s.log.filter((e) => o.sinceTime === undefined || e.time >= o.sinceTime);
    if (o.tailLines !== undefined) entries = o.tailLines === 0 ? [] : entries.slice(-o.tailLines);
    for (const e of entries) if (!emit(e)) return;
    if (!o.follow || s.exited || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const follower = (e: LogEntry | undefined) => {
        if (e && emit(e)) return;
        done();
      };
      const done = () => { s.followers.delete(follower); signal.removeEventListener('abort', done); resolve(); };
      s.followers.add(follower);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  override async exec(containerId: string, cmd: string[], io: StreamIO, signal: AbortSignal): Promise<number> {
    const s = this.io.get(containerId);
    const script = scriptOf(cmd);
    const hooked = this.onExec !== undefined;
    if (!s || hooked || !runnable(script)) return super.exec(containerId, cmd, io, signal);
    if (s.exited) throw new Error(`fake runtime: container ${containerId} is not running`);
    const write = (w: Writable | undefined) => (d: Buffer | string) => { if (w && !w.destroyed) w.write(d); };
    return runScript(script, {
      fs: s.fs, stdin: io.stdin, out: write(io.stdout), err: write(io.tty ? io.stdout : io.stderr), now: this.clock,
      sleep: (ms) => abortableSleep(ms, signal),
    });
  }

  /** Follows the main process's output from now until it exits; stdin goes to a `cat`. */
  async attach(containerId: string, io: StreamIO, signal: AbortSignal): Promise<void> {
    const s = this.io.get(containerId);
    if (!s || s.exited) throw new Error(`fake runtime: container ${containerId} is not running`);
    if (io.stdin) {
      io.stdin.on('data', (d: Buffer) => { if (s.echoesStdin && !s.exited) this.append(s, 'stdout', d); });
      io.stdin.resume();
    }
    await new Promise<void>((resolve) => {
      const follower = (e: LogEntry | undefined) => {
        if (!e) return done();
        const w = e.stream === 'stderr' && !io.tty ? io.stderr : io.stdout;
        if (w && !w.destroyed) w.write(e.data);
      };
      const done = () => { s.followers.delete(follower); signal.removeEventListener('abort', done); resolve(); };
      s.followers.add(follower);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  override async portForward(sandboxId: string, port: number, socket: Duplex): Promise<void> {
    const sandbox = (await this.list()).flatMap((p) => p.sandboxes).find((sb) => sb.id === sandboxId);
    if (!sandbox) throw new Error(`fake runtime: sandbox ${sandboxId} not found`);
    const target = this.forwardPort?.(sandbox, port);
    if (!target) throw new Error(`failed to connect to localhost:${port} inside namespace "${sandboxId}": connect: connection refused`);
    await new Promise<void>((resolve, reject) => {
      const conn = net.connect(target.port, target.host);
      let connected = false;
      conn.once('connect', () => {
        connected = true;
        socket.pipe(conn);
        conn.pipe(socket);
      });
      conn.once('error', (e) => {
        if (!connected) reject(new Error(`failed to connect to localhost:${port} inside namespace "${sandboxId}": ${e.message}`));
        else socket.destroy();
      });
      conn.once('close', () => resolve());
      socket.once('error', () => conn.destroy());
    });
  }

  private async runMain(s: ContainerStreams, script: Array<{ op: ';' | '&&' | '||'; words: string[] }>): Promise<void> {
    try {
      await runScript(script, {
        fs: s.fs, now: this.clock,
        out: (d) => { if (!s.stop.signal.aborted) this.append(s, 'stdout', Buffer.from(d)); },
        err: (d) => { if (!s.stop.signal.aborted) this.append(s, 'stderr', Buffer.from(d)); },
        sleep: (ms) => abortableSleep(ms, s.stop.signal),
      });
    } catch { /* the process's output simply ends */ }
  }

  private append(s: ContainerStreams, stream: 'stdout' | 'stderr', data: Buffer): void {
    const now = this.clock();
    let start = 0;
    // One entry per line, the newline kept, as Docker's json-file driver records output.
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0x0a) continue;
      this.record(s, { time: now, stream, data: data.subarray(start, i + 1) });
      start = i + 1;
    }
    if (start < data.length) this.record(s, { time: now, stream, data: data.subarray(start) });
  }

  private record(s: ContainerStreams, e: LogEntry): void {
    s.log.push(e);
    for (const f of [...s.followers]) f(e);
  }

  private finish(s: ContainerStreams): void {
    if (s.exited) return;
    s.exited = true;
    s.stop.abort();
    for (const f of [...s.followers]) f(undefined);
  }

  /** Followers of a container end when it exits, whoever stopped it. */
  private async watchExits(): Promise<void> {
    for await (const ev of this.events(new AbortController().signal)) {
      if (ev.type !== 'ContainerDied') continue;
      const s = this.io.get(ev.id);
      if (s) this.finish(s);
    }
  }
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms);
    const onAbort = () => { clearTimeout(t); resolve(false); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
