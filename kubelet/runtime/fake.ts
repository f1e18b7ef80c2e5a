// The runtime of simulated nodes (`capstan up --simulated-nodes N`), kwok-style: no process runs.
// Sandboxes get an IP from the node's pod CIDR; a container's command goes through a small shell
// (echo, printf, cat, test, ls, mkdir, touch, rm, tar, sleep, exit, env, hostname) over files of its
// own — in memory, except under its mounts, which are the host paths the kubelet bound — so that
// Jobs finish, termination messages and probes see files, and `kubectl logs / exec / attach / cp /
// port-forward` work end to end:
// - the main process is simulated ahead of time when the container starts (simulateCommand): what
//   it prints goes to a log kept as Docker's json-file driver keeps it, its file changes and its
//   exit happen at the times its `sleep`s say; a command the shell does not know runs until stopped;
// - exec runs the same shell live, with real stdin / stdout / stderr; a command it does not know
//   succeeds at once, printing nothing;
// - attach follows the main process's output (and feeds stdin to a main process that is `cat`);
// - port-forward connects to a TCP address the creator names (a test's server on loopback).
// Every image is present unless said otherwise. Restarts, back-off and phases are the kubelet's
// business, as with a real runtime.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type {
  ContainerConfig, ContainerRuntime, LogOptions, RuntimeContainer, RuntimeEvent, RuntimeImage, RuntimePod,
  RuntimeStatus, RuntimeVersion, Sandbox, SandboxConfig, StreamIO,
} from './runtime.ts';

export const FAKE_RUNTIME_NAME = 'fake';
export const FAKE_RUNTIME_VERSION = '0.1.0';

/** A change the simulated process makes to a file, at `atMs` after it started (`>`, `>>`, touch, rm, mkdir). */
export interface FileWrite { atMs: number; path: string; op: 'write' | 'append' | 'remove' | 'mkdir'; data: string }

/** What the simulated process prints, at `atMs` after it started. */
export interface OutputWrite { atMs: number; stream: 'stdout' | 'stderr'; data: string }

/** What a simulated process does: run until stopped, or exit with `code` after `afterMs`; what it writes and prints on the way. */
export type Simulation =
  | { kind: 'forever'; writes?: FileWrite[]; output?: OutputWrite[] }
  | { kind: 'exit'; code: number; afterMs: number; writes?: FileWrite[]; output?: OutputWrite[] };

/** Whether a file exists, for `cat`, `test -f` and `[ -e … ]`; undefined when the simulation cannot know. */
export type FileProbe = (path: string) => boolean | undefined;

const FOREVER: Simulation = { kind: 'forever' };
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);
/** The exit status of a process killed by SIGKILL (an exec whose caller went away). */
const KILLED = 137;

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

// --- the shell's language ---------------------------------------------------------------------

/** An output redirection: `>f`, `>>f`, `2>f`, or a duplication (`2>&1`, `>&2`). */
export interface Redirect { fd: 1 | 2; append: boolean; path?: string; toFd?: 1 | 2 }

export interface Statement {
  /** The operator before the statement. */
  op: ';' | '&&' | '||';
  words: string[];
  redirects: Redirect[];
}

/** Words that open compound commands (loops, conditionals), which this shell does not run. */
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', '!']);

/**
 * A script as statements: words after quote removal and `$NAME` / `${NAME}` / `$0`…`$9`
 * expansion, joined by `;`, newlines, `&&` and `||`, with output redirections. Undefined when the
 * script uses what this shell does not do: pipes, backgrounding, input redirection, subshells,
 * command substitution, compound commands, assignments, variables it is not told.
 */
export function parseScript(script: string, vars: Record<string, string> = {}, positional: string[] = []): Statement[] | undefined {
  const out: Statement[] = [];
  let op: Statement['op'] = ';';
  let words: string[] = [];
  let redirects: Redirect[] = [];
  let pending: Redirect | undefined;
  let word = '';
  let inWord = false;
  let quoted = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => {
    if (inWord) {
      if (pending) {
        redirects.push({ ...pending, path: word });
        pending = undefined;
      } else words.push(word);
    }
    word = '';
    inWord = false;
    quoted = false;
  };
  const endStatement = (next: Statement['op']): boolean => {
    endWord();
    if (pending) return false;
    if (words.length === 0) {
      // An empty line (also after `&&` / `||`, whose statement follows on the next line) or a
      // stray `;`; but not `a && && b`, nor a redirection alone.
      return redirects.length === 0 && next === ';';
    }
    if (RESERVED.has(words[0]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) return false;
    out.push({ op, words, redirects });
    words = [];
    redirects = [];
    op = next;
    return true;
  };
  /** `$…` at i: its value and where it ends; undefined for what this shell does not expand. */
  const expand = (i: number): { value: string; end: number } | undefined => {
    let name: string;
    let end: number;
    if (script[i + 1] === '{') {
      const close = script.indexOf('}', i + 2);
      if (close < 0) return undefined;
      name = script.slice(i + 2, close);
      end = close + 1;
    } else {
      const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9])/.exec(script.slice(i + 1));
      if (!m) return undefined;
      name = m[0];
      end = i + 1 + name.length;
    }
    if (/^[0-9]$/.test(name)) return { value: positional[Number(name)] ?? '', end };
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
    const value = vars[name];
    return value === undefined ? undefined : { value, end };
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') { quote = undefined; continue; }
      if (ch === '\\' && '"\\$`\n'.includes(script[i + 1] ?? '\0')) {
        if (script[i + 1] !== '\n') word += script[i + 1];
        i++;
        continue;
      }
      if (ch === '`') return undefined;
      if (ch === '$') {
        const x = expand(i);
        if (!x) return undefined;
        word += x.value;
        i = x.end - 1;
        continue;
      }
      word += ch;
      continue;
    }
    switch (ch) {
      case "'": case '"':
        quote = ch;
        inWord = true;
        quoted = true;
        continue;
      case '\\':
        if (script[i + 1] === '\n') { i++; continue; }
        if (i + 1 < script.length) { word += script[++i]; inWord = true; quoted = true; }
        continue;
      case '$': {
        const x = expand(i);
        if (!x) return undefined;
        word += x.value;
        inWord = true;
        i = x.end - 1;
        continue;
      }
      case '#':
        if (inWord) { word += ch; continue; }
        while (i + 1 < script.length && script[i + 1] !== '\n') i++;
        continue;
      case ';': case '\n':
        if (!endStatement(';')) return undefined;
        continue;
      case '&': case '|':
        if (script[i + 1] !== ch) return undefined;
        if (!endStatement(ch === '&' ? '&&' : '||')) return undefined;
        i++;
        continue;
      case '>': {
        let fd: 1 | 2 = 1;
        if (inWord && !quoted && (word === '1' || word === '2')) {
          fd = word === '1' ? 1 : 2;
          word = '';
          inWord = false;
        } else endWord();
        if (pending) return undefined;
        const append = script[i + 1] === '>';
        if (append) i++;
        if (script[i + 1] === '&') {
          const to = script[i + 2];
          if (to !== '1' && to !== '2') return undefined;
          redirects.push({ fd, append, toFd: to === '1' ? 1 : 2 });
          i += 2;
          continue;
        }
        pending = { fd, append };
        continue;
      }
      case '<': case '(': case ')': case '`': case '{': case '}':
        return undefined;
      case ' ': case '\t':
        endWord();
        continue;
      default:
        word += ch;
        inWord = true;
    }
  }
  if (quote) return undefined;
  if (!endStatement(';')) return undefined;
  return out;
}

/** The statements a command line runs: `sh -c SCRIPT [NAME ARGS…]`, or the command itself; undefined otherwise (`sh` alone). */
function statementsOf(argv: string[], vars: Record<string, string>): Statement[] | undefined {
  if (argv.length === 0) return undefined;
  if (SHELLS.has(path.posix.basename(argv[0]!))) {
    // sh -c SCRIPT, also with other single-letter flags alongside c (sh -ec SCRIPT).
    const i = argv.findIndex((a, idx) => idx > 0 && /^-[a-z]*c[a-z]*$/.test(a));
    if (i < 0 || argv[i + 1] === undefined) return undefined;
    const rest = argv.slice(i + 2);
    return parseScript(argv[i + 1]!, vars, rest.length ? rest : [argv[0]!]);
  }
  return [{ op: ';', words: argv, redirects: [] }];
}

// --- filesystems -------------------------------------------------------------------------------

/** The simulation cannot tell what happens from here: a command it does not know, a file it cannot know about, a read from stdin. */
class Unknowable extends Error {}

interface FileStat { type: 'dir' | 'file'; mode: number; mtime: number }

/** What the shell sees of a container's files. stat, read and list may throw Unknowable. */
interface ShellFs {
  stat(p: string): FileStat | undefined;
  read(p: string): Buffer | undefined;
  /** Names in a directory, sorted. */
  list(p: string): string[];
  /** Creates or truncates a file in an existing directory; false when it cannot. */
  write(p: string, data: Buffer, mode?: number): boolean;
  append(p: string, data: Buffer): boolean;
  mkdirp(p: string): boolean;
  remove(p: string): void;
}

const normalize = (p: string, cwd = '/'): string => {
  const abs = path.posix.resolve(cwd, p);
  return abs === '/' ? '/' : abs.replace(/\/+$/, '');
};

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

type MemoryNode = { type: 'dir'; mtime: number } | { type: 'file'; data: Buffer; mode: number; mtime: number };

/** A container's root filesystem: in memory, except under its mounts, which are host paths. */
class ContainerFs implements ShellFs {
  private readonly nodes = new Map<string, MemoryNode>();

  constructor(private readonly mounts: ContainerConfig['mounts'], private readonly now: () => number) {
    const t = now();
    for (const d of ['/', '/bin', '/dev', '/etc', '/home', '/proc', '/root', '/sys', '/tmp', '/usr', '/var', '/var/log']) this.nodes.set(d, { type: 'dir', mtime: t });
    // The directories a mount point sits in; the mount point itself is the host's.
    for (const m of mounts) {
      for (let d = path.posix.dirname(normalize(m.containerPath)); d !== '/' && !this.nodes.has(d); d = path.posix.dirname(d)) this.nodes.set(d, { type: 'dir', mtime: t });
    }
  }

  private host(p: string) {
    return hostPathOf(this.mounts, p);
  }

  /** Whether the answer about this path is certain: under a mount, or in memory. Other paths may be in the image. */
  knows(p: string): boolean {
    return !!this.host(p) || this.nodes.has(p);
  }

  stat(p: string): FileStat | undefined {
    const h = this.host(p);
    if (!h) {
      const n = this.nodes.get(p);
      return n && { type: n.type, mode: n.type === 'file' ? n.mode : 0o755, mtime: n.mtime };
    }
    try {
      const s = statSync(h.hostPath);
      return { type: s.isDirectory() ? 'dir' : 'file', mode: s.mode & 0o777, mtime: s.mtimeMs };
    } catch {
      return undefined;
    }
  }

  read(p: string): Buffer | undefined {
    const h = this.host(p);
    if (!h) {
      const n = this.nodes.get(p);
      return n?.type === 'file' ? n.data : undefined;
    }
    try { return readFileSync(h.hostPath); } catch { return undefined; }
  }

  list(p: string): string[] {
    const h = this.host(p);
    if (h) {
      try { return readdirSync(h.hostPath).sort(); } catch { return []; }
    }
    const prefix = p === '/' ? '/' : `${p}/`;
    const names = new Set<string>();
    for (const k of this.nodes.keys()) if (k !== p && k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
    for (const m of this.mounts) {
      const cp = normalize(m.containerPath);
      if (cp.startsWith(prefix)) names.add(cp.slice(prefix.length).split('/')[0]!);
    }
    return [...names].filter(Boolean).sort();
  }

  write(p: string, data: Buffer, mode = 0o644): boolean {
    const h = this.host(p);
    if (h) {
      if (h.readOnly) return false;
      try { writeFileSync(h.hostPath, data); return true; } catch { return false; }
    }
    if (this.stat(path.posix.dirname(p))?.type !== 'dir' || this.nodes.get(p)?.type === 'dir') return false;
    this.nodes.set(p, { type: 'file', data, mode, mtime: this.now() });
    return true;
  }

  append(p: string, data: Buffer): boolean {
    const h = this.host(p);
    if (h) {
      if (h.readOnly) return false;
      try { appendFileSync(h.hostPath, data); return true; } catch { return false; }
    }
    const n = this.nodes.get(p);
    if (n?.type === 'file') {
      n.data = Buffer.concat([n.data, data]);
      n.mtime = this.now();
      return true;
    }
    return this.write(p, data);
  }

  mkdirp(p: string): boolean {
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      cur += `/${part}`;
      const h = this.host(cur);
      if (h) {
        if (h.readOnly) continue;
        try { mkdirSync(h.hostPath, { recursive: true }); } catch { return false; }
        continue;
      }
      const n = this.nodes.get(cur);
      if (n?.type === 'file') return false;
      if (!n) this.nodes.set(cur, { type: 'dir', mtime: this.now() });
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
}

/** What a simulation ahead of time may look at: the container's files as they are when it starts. */
interface FsView {
  knows(p: string): boolean;
  stat(p: string): FileStat | undefined;
  read(p: string): Buffer | undefined;
  list(p: string): string[];
}

/** A FileProbe as an FsView: it knows of files only, and not what is in them. */
const probeView = (exists: FileProbe): FsView => ({
  knows: (p) => exists(p) !== undefined,
  stat: (p) => (exists(p) ? { type: 'file', mode: 0o644, mtime: 0 } : undefined),
  read: (p) => (exists(p) ? Buffer.alloc(0) : undefined),
  list: () => [],
});

type Overlay = { type: 'file'; data: Buffer } | { type: 'dir' } | 'removed';

/**
 * The filesystem of a simulation ahead of time: the process's own changes kept aside (and
 * recorded, with their times, to be carried out later) over a view of the container's files;
 * about anything else it throws Unknowable.
 */
class SimulatedFs implements ShellFs {
  private readonly overlay = new Map<string, Overlay>();
  readonly writes: FileWrite[] = [];
  /** Simulated time since the process started. */
  elapsed = 0;

  constructor(private readonly base: FsView | undefined) {}

  private own(p: string): Overlay | undefined {
    const e = this.overlay.get(p);
    if (e) return e;
    for (let q = path.posix.dirname(p); ; q = path.posix.dirname(q)) {
      if (this.overlay.get(q) === 'removed') return 'removed';
      if (q === '/') return undefined;
    }
  }

  private known(p: string): FsView {
    if (!this.base?.knows(p)) throw new Unknowable();
    return this.base;
  }

  private record(op: FileWrite['op'], p: string, data = ''): void {
    const last = this.writes.at(-1);
    // `> f` truncates and then writes: one write (or append) of what was written, as it lands.
    if (op === 'append' && last && last.path === p && last.atMs === this.elapsed && (last.op === 'write' || last.op === 'append')) {
      last.data += data;
      return;
    }
    this.writes.push({ atMs: this.elapsed, path: p, op, data });
  }

  stat(p: string): FileStat | undefined {
    const e = this.own(p);
    if (e === 'removed') return undefined;
    if (e) return { type: e.type, mode: e.type === 'file' ? 0o644 : 0o755, mtime: 0 };
    return this.known(p).stat(p);
  }

  read(p: string): Buffer | undefined {
    const e = this.own(p);
    if (e === 'removed') return undefined;
    if (e) return e.type === 'file' ? e.data : undefined;
    return this.known(p).read(p);
  }

  list(p: string): string[] {
    const names = new Set(this.own(p) === undefined ? this.known(p).list(p) : []);
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const [k, e] of this.overlay) {
      if (!k.startsWith(prefix) || k === p) continue;
      const name = k.slice(prefix.length).split('/')[0]!;
      if (e === 'removed' && k === prefix + name) names.delete(name);
      else if (e !== 'removed') names.add(name);
    }
    return [...names].sort();
  }

  write(p: string, data: Buffer): boolean {
    this.overlay.set(p, { type: 'file', data });
    this.record('write', p, data.toString());
    return true;
  }

  append(p: string, data: Buffer): boolean {
    let before: Buffer = Buffer.alloc(0);
    try { before = this.read(p) ?? before; } catch (e) { if (!(e instanceof Unknowable)) throw e; }
    this.overlay.set(p, { type: 'file', data: Buffer.concat([before, data]) });
    this.record('append', p, data.toString());
    return true;
  }

  mkdirp(p: string): boolean {
    let cur = '';
    for (const part of p.split('/').filter(Boolean)) {
      cur += `/${part}`;
      const e = this.overlay.get(cur);
      if (e && e !== 'removed' && e.type === 'file') return false;
      this.overlay.set(cur, { type: 'dir' });
    }
    this.record('mkdir', p);
    return true;
  }

  remove(p: string): void {
    for (const k of [...this.overlay.keys()]) if (k.startsWith(`${p}/`)) this.overlay.delete(k);
    this.overlay.set(p, 'removed');
    this.record('remove', p);
  }
}

// --- the shell ---------------------------------------------------------------------------------

/** What a running command waits for: time to pass (resumed with false when cut short), or a chunk of stdin (null at its end). */
type Effect = { kind: 'sleep'; ms: number } | { kind: 'read' };
type Proc = Generator<Effect, number, boolean | Buffer | null>;

interface Shell {
  fs: ShellFs;
  out(data: Buffer | string): void;
  err(data: Buffer | string): void;
  now(): number;
  env: Record<string, string>;
  /** A command the shell does not know: as a container's process it runs until stopped, in exec it succeeds at once. */
  unknown: 'runs' | 'succeeds';
}

class Exit {
  constructor(readonly code: number) {}
}

const escapes = (s: string) => s.replace(/\\(n|t|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));

/** Runs statements; returns the exit status. */
function* runScript(statements: Statement[], sh: Shell): Proc {
  let status = 0;
  try {
    for (const st of statements) {
      if (st.op === '&&' && status !== 0) continue;
      if (st.op === '||' && status === 0) continue;
      const io = redirected(sh, st.redirects);
      status = typeof io === 'number' ? io : yield* command(st.words, io, status);
    }
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
  return status;
}

/** The shell with its output where a statement's redirections send it; a file that cannot be created is status 1. */
function redirected(sh: Shell, redirects: Redirect[]): Shell | number {
  if (redirects.length === 0) return sh;
  const sinks: Record<1 | 2, (d: Buffer | string) => void> = { 1: sh.out, 2: sh.err };
  for (const r of redirects) {
    if (r.toFd) { sinks[r.fd] = sinks[r.toFd]; continue; }
    const target = normalize(r.path!);
    if (target === '/dev/null') { sinks[r.fd] = () => {}; continue; }
    if (target === '/dev/stdout' || target === '/proc/self/fd/1') { sinks[r.fd] = sh.out; continue; }
    if (target === '/dev/stderr' || target === '/proc/self/fd/2') { sinks[r.fd] = sh.err; continue; }
    const opened = r.append ? sh.fs.append(target, Buffer.alloc(0)) : sh.fs.write(target, Buffer.alloc(0));
    if (!opened) {
      sh.err(`sh: can't create ${r.path}: nonexistent directory\n`);
      return 1;
    }
    sinks[r.fd] = (d) => { sh.fs.append(target, Buffer.from(d)); };
  }
  return { ...sh, out: sinks[1], err: sinks[2] };
}

function* unknownCommand(sh: Shell): Proc {
  if (sh.unknown === 'runs') throw new Unknowable();
  return 0;
}

function* readStdin(): Generator<Effect, Buffer, boolean | Buffer | null> {
  const chunks: Buffer[] = [];
  for (;;) {
    const c = yield { kind: 'read' };
    if (!Buffer.isBuffer(c)) return Buffer.concat(chunks);
    chunks.push(c);
  }
}

function* command(words: string[], sh: Shell, last: number): Proc {
  const [first, ...args] = words as [string, ...string[]];
  const cmd = path.posix.basename(first);
  const abs = (x: string) => normalize(x);
  switch (cmd) {
    case 'true': case ':': return 0;
    case 'false': return 1;
    case 'exit': {
      if (args.length === 0) throw new Exit(last);
      if (!/^\d+$/.test(args[0]!)) { sh.err(`sh: exit: Illegal number: ${args[0]}\n`); throw new Exit(2); }
      throw new Exit(Number(args[0]) & 0xff);
    }
    case 'exec': {
      // The command replaces the shell: the script ends with it.
      if (args.length === 0) return 0;
      throw new Exit(yield* command(args, sh, last));
    }
    case 'echo': {
      let rest = args;
      let newline = true;
      let interpret = false;
      while (rest[0] === '-n' || rest[0] === '-e' || rest[0] === '-ne' || rest[0] === '-en') {
        if (rest[0].includes('n')) newline = false;
        if (rest[0].includes('e')) interpret = true;
        rest = rest.slice(1);
      }
      const text = rest.join(' ');
      sh.out(`${interpret ? escapes(text) : text}${newline ? '\n' : ''}`);
      return 0;
    }
    case 'printf': {
      let i = 1;
      sh.out(escapes(args[0] ?? '').replace(/%[sd%]/g, (m) => (m === '%%' ? '%' : args[i++] ?? '')));
      return 0;
    }
    case 'hostname':
      if (args.length) return yield* unknownCommand(sh);
      sh.out(`${sh.env.HOSTNAME ?? ''}\n`);
      return 0;
    case 'env': case 'printenv': {
      if (cmd === 'printenv' && args.length) {
        const known = args.filter((a) => sh.env[a] !== undefined);
        for (const a of known) sh.out(`${sh.env[a]}\n`);
        return known.length === args.length ? 0 : 1;
      }
      if (args.length) return yield* unknownCommand(sh);
      for (const [k, v] of Object.entries(sh.env)) sh.out(`${k}=${v}\n`);
      return 0;
    }
    case 'sleep': {
      const ms = sleepMs(args);
      // `sleep infinity` and the like: as a command this shell does not know.
      if (ms === undefined) return yield* unknownCommand(sh);
      return (yield { kind: 'sleep', ms }) ? 0 : 143;
    }
    case 'cat': {
      if (args.length === 0 || (args.length === 1 && args[0] === '-')) {
        for (;;) {
          const c = yield { kind: 'read' };
          if (!Buffer.isBuffer(c)) return 0;
          sh.out(c);
        }
      }
      let status = 0;
      for (const a of args) {
        if (sh.fs.stat(abs(a))?.type === 'dir') { sh.err('cat: read error: Is a directory\n'); status = 1; continue; }
        const data = sh.fs.read(abs(a));
        if (data === undefined) { sh.err(`cat: can't open '${a}': No such file or directory\n`); status = 1; continue; }
        sh.out(data);
      }
      return status;
    }
    case 'test': case '[': {
      const ops = cmd === '[' ? (args.at(-1) === ']' ? args.slice(0, -1) : undefined) : args;
      if (!ops) return 2;
      return testExpr(ops, sh.fs) ? 0 : 1;
    }
    case 'mkdir': {
      const parents = args.includes('-p');
      let status = 0;
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        const t = abs(a);
        if (!parents && sh.fs.stat(path.posix.dirname(t))?.type !== 'dir') { sh.err(`mkdir: can't create directory '${a}': No such file or directory\n`); status = 1; continue; }
        if (!parents && sh.fs.stat(t)) { sh.err(`mkdir: can't create directory '${a}': File exists\n`); status = 1; continue; }
        if (!sh.fs.mkdirp(t)) status = 1;
      }
      return status;
    }
    case 'touch': {
      let status = 0;
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        if (!sh.fs.append(abs(a), Buffer.alloc(0))) { sh.err(`touch: ${a}: No such file or directory\n`); status = 1; }
      }
      return status;
    }
    case 'rm': {
      const force = args.some((a) => /^-[a-z]*f/i.test(a));
      let status = 0;
      for (const a of args.filter((x) => !x.startsWith('-'))) {
        let present = true;
        try { present = !!sh.fs.stat(abs(a)); } catch (e) { if (!(e instanceof Unknowable)) throw e; }
        if (!present) {
          if (!force) { sh.err(`rm: can't remove '${a}': No such file or directory\n`); status = 1; }
          continue;
        }
        sh.fs.remove(abs(a));
      }
      return status;
    }
    case 'ls': {
      const targets = args.filter((x) => !x.startsWith('-'));
      let status = 0;
      for (const a of targets.length ? targets : ['/']) {
        const node = sh.fs.stat(abs(a));
        if (!node) { sh.err(`ls: ${a}: No such file or directory\n`); status = 1; continue; }
        if (node.type === 'file') sh.out(`${a}\n`);
        else for (const n of sh.fs.list(abs(a))) sh.out(`${n}\n`);
      }
      return status;
    }
    case 'tar':
      return yield* tar(args, sh);
    default:
      return yield* unknownCommand(sh);
  }
}

function testExpr(ops: string[], fs: ShellFs): boolean {
  if (ops[0] === '!') return !testExpr(ops.slice(1), fs);
  if (ops.length === 2) {
    const node = ['-e', '-d', '-f', '-s'].includes(ops[0]!) ? fs.stat(normalize(ops[1]!)) : undefined;
    switch (ops[0]) {
      case '-e': return !!node;
      case '-d': return node?.type === 'dir';
      case '-f': return node?.type === 'file';
      case '-s': return node?.type === 'file' && (fs.read(normalize(ops[1]!))?.length ?? 0) > 0;
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

// --- tar (ustar, with PAX and GNU long names read): what `kubectl cp` runs ---------------------

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

function tarCreate(fs: ShellFs, roots: string[], err: (s: string) => void): Buffer | undefined {
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
    const abs = normalize(r);
    // As GNU and busybox tar do, member names lose their leading "/".
    add(abs, abs.replace(/^\/+/, '') || '.');
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return ok ? Buffer.concat(parts) : undefined;
}

function tarExtract(fs: ShellFs, archive: Buffer, dir: string): string | undefined {
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
    const target = normalize(name, dir);
    if (type === '5') { if (!fs.mkdirp(target)) return `tar: ${name}: Cannot mkdir`; continue; }
    if (type !== '0' && type !== '7') continue;
    fs.mkdirp(path.posix.dirname(target));
    if (!fs.write(target, Buffer.from(data), mode || 0o644)) return `tar: ${name}: Cannot open: No such file or directory`;
  }
  return undefined;
}

/** tar c / x / t with f - (stdin or stdout), -C DIR and paths; other letters and long options are accepted and ignored. */
function* tar(args: string[], sh: Shell): Proc {
  let mode: 'c' | 'x' | 't' | undefined;
  let file: string | undefined;
  let dir = '/';
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) continue;
    if (a === '-C') { dir = normalize(args[++i] ?? '/'); continue; }
    if ((a.startsWith('-') && a.length > 1) || (i === 0 && /^[a-zA-Z]+$/.test(a))) {
      for (const l of a.replace(/^-/, '')) {
        if (l === 'c' || l === 'x' || l === 't') mode = l;
        else if (l === 'f') file = args[++i];
        else if (l === 'z' || l === 'j') { sh.err('tar: compression is not supported here\n'); return 2; }
      }
      continue;
    }
    paths.push(a);
  }
  if (!mode) { sh.err('tar: need exactly one of -c, -x or -t\n'); return 2; }
  if (file !== undefined && file !== '-') { sh.err(`tar: ${file}: only stdin and stdout are supported here\n`); return 2; }
  if (sh.fs.stat(dir)?.type !== 'dir') { sh.err(`tar: ${dir}: Cannot open: No such file or directory\n`); return 2; }
  if (mode === 'c') {
    const archive = tarCreate(sh.fs, paths.map((x) => normalize(x, dir)), (s) => sh.err(s));
    if (!archive) return 2;
    sh.out(archive);
    return 0;
  }
  const archive = yield* readStdin();
  if (mode === 't') return 0;
  const problem = tarExtract(sh.fs, archive, dir);
  if (problem) { sh.err(`${problem}\n`); return 2; }
  return 0;
}

// --- running the shell --------------------------------------------------------------------------

/** A simulation ahead of time: sleeps take no time but are counted, the process's changes and output are recorded with their times. */
function simulateStatements(statements: Statement[] | undefined, view: FsView | undefined, env: Record<string, string>): Simulation {
  if (!statements) return FOREVER;
  const fs = new SimulatedFs(view);
  const output: OutputWrite[] = [];
  const emit = (stream: OutputWrite['stream']) => (d: Buffer | string) => {
    const data = d.toString();
    if (!data) return;
    const last = output.at(-1);
    if (last && last.atMs === fs.elapsed && last.stream === stream) last.data += data;
    else output.push({ atMs: fs.elapsed, stream, data });
  };
  const proc = runScript(statements, { fs, out: emit('stdout'), err: emit('stderr'), now: () => 0, env, unknown: 'runs' });
  const recorded = () => ({ ...(fs.writes.length ? { writes: fs.writes } : {}), ...(output.length ? { output } : {}) });
  try {
    for (let r = proc.next(null); ; r = proc.next(true)) {
      if (r.done) return { kind: 'exit', code: r.value, afterMs: fs.elapsed, ...recorded() };
      // Waiting for stdin: whoever attaches decides when it ends, so it may run for ever.
      if (r.value.kind === 'read') throw new Unknowable();
      fs.elapsed += r.value.ms;
    }
  } catch (e) {
    if (e instanceof Unknowable) return { kind: 'forever', ...recorded() };
    throw e;
  }
}

/**
 * The simulation of a container's process, from its command and args (`command` then `args`, as
 * the process would see them): `true` exits 0, `false` 1, `sleep N` exits 0 after N seconds,
 * `sh -c SCRIPT` follows the script as far as the shell can (see parseScript and command). What it
 * cannot follow — no command at all (the image's own), a server, a loop — runs until stopped, with
 * what was written and printed up to there. `fileExists` answers about files the process did not
 * write itself; without it, asking about any such file runs until stopped.
 */
export function simulateCommand(argv: string[], fileExists?: FileProbe, env: Record<string, string> = {}): Simulation {
  return simulateStatements(statementsOf(argv, env), fileExists ? probeView(fileExists) : undefined, env);
}

/** Runs a command live: sleeps take their time, stdin is read as it comes; ends early (KILLED) when the signal aborts. */
async function runLive(proc: Proc, stdin: Readable | undefined, signal: AbortSignal): Promise<number> {
  const chunks = stdin?.[Symbol.asyncIterator]() as AsyncIterator<Buffer | string> | undefined;
  try {
    for (let r = proc.next(null); ;) {
      if (r.done) return r.value;
      if (signal.aborted) { proc.return(KILLED); return KILLED; }
      let resume: boolean | Buffer | null;
      if (r.value.kind === 'sleep') resume = await abortableSleep(r.value.ms, signal);
      else resume = chunks ? await nextChunk(chunks, signal) : null;
      if (signal.aborted) { proc.return(KILLED); return KILLED; }
      r = proc.next(resume);
    }
  } catch (e) {
    if (e instanceof Unknowable) return 0;
    throw e;
  }
}

/** The next chunk of a stream, or null at its end (or when the signal aborts first). */
async function nextChunk(it: AsyncIterator<Buffer | string>, signal: AbortSignal): Promise<Buffer | null> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const r = await Promise.race([it.next().then((x) => (x.done ? null : Buffer.from(x.value))), aborted]);
    return r;
  } finally {
    signal.removeEventListener('abort', onAbort!);
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

// --- the runtime -------------------------------------------------------------------------------

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

/** Go's time.RFC3339Nano (trailing zeros of the fraction dropped), as Docker timestamps log lines. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

const newId = () => randomBytes(32).toString('hex');

/** One line of a container's output (or the rest of one), as Docker's json-file driver records it. */
interface LogEntry { time: number; stream: 'stdout' | 'stderr'; data: Buffer }

interface FakeSandbox extends Sandbox { ip?: { pool: IPv4Pool; n: number }; hostname: string }

interface FakeContainer extends RuntimeContainer {
  mounts: ContainerConfig['mounts'];
  /** The process's environment: the container's, with what a runtime adds (HOSTNAME, HOME, PATH). */
  env: Record<string, string>;
  argv: string[];
  /** What the simulation does later: file changes, output, the exit. */
  timers: NodeJS.Timeout[];
  /** Made when first needed: most simulated containers never look at a file. */
  fs?: ContainerFs;
  log: LogEntry[];
  /** Log followers and attach sessions; called with undefined when the container exits. */
  followers: Set<(e: LogEntry | undefined) => void>;
}

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
  /** Where a pod's port really is (e.g. a server the test runs on loopback); undefined: nothing listens there. */
  forwardPort?: (sandbox: Sandbox, port: number) => { host: string; port: number } | undefined;
}

/** Test hook on exec: an exit code for the command, or undefined to run it as usual. */
export type ExecHook = (c: { id: string; name: string; podUid: string }, cmd: string[]) => number | undefined;

/** The PATH of busybox-like images, which a runtime sets from the image's config. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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

  /** Test hook: the container printed this (split into lines, as Docker's log driver stores them). */
  writeLog(containerId: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const c = this.containers.get(containerId);
    if (c?.state !== 'running') throw new Error(`fake runtime: container ${containerId} is not running`);
    this.append(c, stream, Buffer.from(text));
  }

  /** How many log followers and attach sessions the container has now (tests wait for one before writing). */
  attached(containerId: string): number {
    return this.containers.get(containerId)?.followers.size ?? 0;
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
      attempt, state: 'ready', createdAt: this.now(), ips: [], hostNetwork: cfg.hostNetwork, hostname: cfg.hostname,
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
    const env: Record<string, string> = { PATH: IMAGE_PATH, HOSTNAME: sb.hostname, HOME: '/root' };
    for (const e of cfg.env) env[e.name] = e.value;
    this.containers.set(id, {
      id, sandboxId: sb.id, podUid: sb.podUid, name: cfg.name, attempt: cfg.attempt, image: cfg.image, imageRef: image.id,
      state: 'created', createdAt: this.now(), mounts: structuredClone(cfg.mounts), env, argv: [...cfg.command, ...cfg.args],
      timers: [], log: [], followers: new Set(),
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
    // The process is simulated as it starts, against its files as they are now.
    const view: FsView = {
      knows: (p) => this.fsOf(c).knows(p), stat: (p) => this.fsOf(c).stat(p), read: (p) => this.fsOf(c).read(p), list: (p) => this.fsOf(c).list(p),
    };
    const sim = simulateStatements(statementsOf(c.argv, c.env), view, c.env);
    const steps: Array<{ atMs: number; run: () => void }> = [
      ...(sim.writes ?? []).map((w) => ({ atMs: w.atMs, run: () => applyWrite(this.fsOf(c), w) })),
      ...(sim.output ?? []).map((o) => ({ atMs: o.atMs, run: () => this.append(c, o.stream, Buffer.from(o.data)) })),
    ].sort((a, b) => a.atMs - b.atMs);
    if (sim.kind === 'exit') {
      const reason = sim.code === 0 ? 'Completed' : 'Error';
      steps.push({ atMs: sim.afterMs, run: () => this.exit(c, sim.code, reason) });
    }
    // What happens at once has happened by the time anyone looks, as with a real runtime: a
    // process that prints and exits at once has printed, written its termination message and exited.
    const later = new Map<number, Array<() => void>>();
    for (const s of steps) {
      if (s.atMs <= 0) s.run();
      else {
        const at = later.get(s.atMs);
        if (at) at.push(s.run);
        else later.set(s.atMs, [s.run]);
      }
    }
    for (const [atMs, runs] of later) {
      const t = setTimeout(() => { for (const run of runs) if (c.state === 'running') run(); }, atMs);
      t.unref();
      c.timers.push(t);
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
    this.exit(c, 137, 'Error', false);
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

  async logs(containerId: string, o: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`fake runtime: container ${containerId} not found`);
    let budget = o.limitBytes ?? Infinity;
    const emit = (e: LogEntry): boolean => {
      let data = o.timestamps ? Buffer.concat([Buffer.from(`${rfc3339Nano(e.time)} `), e.data]) : e.data;
      if (data.length > budget) data = data.subarray(0, budget);
      budget -= data.length;
      if (data.length) out.write(data);
      return budget > 0;
    };
    let entries = c.log.filter((e) => o.sinceTime === undefined || e.time >= o.sinceTime);
    if (o.tailLines !== undefined) entries = o.tailLines === 0 ? [] : entries.slice(-o.tailLines);
    for (const e of entries) if (!emit(e)) return;
    if (!o.follow || c.state !== 'running' || signal.aborted) return;
    await this.follow(c, signal, (e) => emit(e));
  }

  /**
   * Runs the command in the container's shell, live: `sh -c "exit 3"` returns 3, `cat /data/f`
   * reads the mounted volume, writes land in the container's files (mounts on the host); what the
   * shell does not know returns 0 at once. The onExec hook, when set, decides first.
   */
  async exec(containerId: string, cmd: string[], io: StreamIO, signal: AbortSignal): Promise<number> {
    const c = this.containers.get(containerId);
    if (!c) throw new Error(`fake runtime: container ${containerId} not found`);
    if (c.state !== 'running') throw new Error(`fake runtime: container ${containerId} is not running`);
    const hooked = this.onExec?.({ id: c.id, name: c.name, podUid: c.podUid }, cmd);
    if (hooked !== undefined) return hooked;
    const statements = statementsOf(cmd, c.env);
    if (!statements) return 0;
    const write = (w: Writable | undefined) => (d: Buffer | string) => { if (w && !w.destroyed) w.write(d); };
    const sh: Shell = {
      fs: this.fsOf(c), out: write(io.stdout), err: write(io.tty ? io.stdout : io.stderr), now: this.now, env: c.env, unknown: 'succeeds',
    };
    return runLive(runScript(statements, sh), io.stdin, signal);
  }

  /** Follows the main process's output from now until it exits; stdin goes to a main process that is `cat`. */
  async attach(containerId: string, io: StreamIO, signal: AbortSignal): Promise<void> {
    const c = this.containers.get(containerId);
    if (c?.state !== 'running') throw new Error(`fake runtime: container ${containerId} is not running`);
    const echoes = c.argv.length === 1 && path.posix.basename(c.argv[0]!) === 'cat';
    if (io.stdin) {
      io.stdin.on('data', (d: Buffer) => { if (echoes && c.state === 'running') this.append(c, 'stdout', Buffer.from(d)); });
      io.stdin.resume();
    }
    await this.follow(c, signal, (e) => {
      const w = e.stream === 'stderr' && !io.tty ? io.stderr : io.stdout;
      if (w && !w.destroyed) w.write(e.data);
      return true;
    });
  }

  /** Connects to where the forwardPort option says the pod's port is. */
  async portForward(sandboxId: string, port: number, socket: Duplex): Promise<void> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`fake runtime: sandbox ${sandboxId} not found`);
    const target = this.opts.forwardPort?.(publicSandbox(sb), port);
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

  private fsOf(c: FakeContainer): ContainerFs {
    return (c.fs ??= new ContainerFs(c.mounts, this.now));
  }

  /** Calls `see` with each new line of output until it says stop, the container exits, or the signal aborts. */
  private follow(c: FakeContainer, signal: AbortSignal, see: (e: LogEntry) => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const follower = (e: LogEntry | undefined) => {
        if (e && see(e)) return;
        done();
      };
      const done = () => { c.followers.delete(follower); signal.removeEventListener('abort', done); resolve(); };
      c.followers.add(follower);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** One log entry per line, the newline kept, as Docker's json-file driver records output. */
  private append(c: FakeContainer, stream: LogEntry['stream'], data: Buffer): void {
    const time = this.now();
    const record = (e: LogEntry) => {
      c.log.push(e);
      for (const f of [...c.followers]) f(e);
    };
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0x0a) continue;
      record({ time, stream, data: data.subarray(start, i + 1) });
      start = i + 1;
    }
    if (start < data.length) record({ time, stream, data: data.subarray(start) });
  }

  private exit(c: FakeContainer, code: number, reason: string, announce = true): void {
    for (const t of c.timers) clearTimeout(t);
    c.timers = [];
    if (c.state === 'exited') return;
    const now = this.now();
    c.startedAt ??= now;
    c.state = 'exited';
    c.finishedAt = now;
    c.exitCode = code;
    c.reason = reason;
    for (const f of [...c.followers]) f(undefined);
    if (announce) this.emit({ type: 'ContainerDied', podUid: c.podUid, id: c.id });
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
      const { mounts: _m, env: _e, argv: _a, timers: _t, fs: _f, log: _l, followers: _fo, ...pub } = c;
      podOf(c.podUid).containers.push(pub);
    }
    return [...pods.values()];
  }

  private emit(ev: RuntimeEvent): void {
    for (const l of this.listeners) l(ev);
  }
}

function publicSandbox(sb: FakeSandbox): Sandbox {
  const { ip: _ip, hostname: _h, ...pub } = sb;
  return { ...pub, ips: [...pub.ips] };
}

/** Carries out one of the simulated process's file changes; a failure is quiet, as a shell's redirection prints and goes on. */
function applyWrite(fs: ContainerFs, w: FileWrite): void {
  const p = normalize(w.path);
  try {
    switch (w.op) {
      case 'write': fs.write(p, Buffer.from(w.data)); break;
      case 'append': fs.append(p, Buffer.from(w.data)); break;
      case 'remove': fs.remove(p); break;
      case 'mkdir': fs.mkdirp(p); break;
    }
  } catch { /* see above */ }
}
