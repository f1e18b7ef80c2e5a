// Writes types/*.ts: one schema per protobuf message of the API groups Capstan serves. Field
// numbers and protobuf types come from upstream's generated.proto, JSON names, omitempty,
// pointers and inlining from the Go struct tags beside it, kinds from register.go. A field
// number found in only one of the two stops the run; where the names differ the JSON name
// wins (and is reported). Only those facts are kept, in our own format.
//
//   git clone --bare https://github.com/kubernetes/api; git clone --bare …/apimachinery
//   npx tsx server/codec/protobuf/tools/gen-schemas.ts <api.git> <apimachinery.git> [ref]
//
// ref is a tag of both repositories (default v0.36.3, Kubernetes 1.36.3): newer than the 1.32
// Capstan reports, so fields sent by newer clients are kept rather than dropped.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Source {
  /** our package id: 'core.v1', 'meta.v1' */
  id: string;
  repo: 'api' | 'apimachinery';
  dir: string;
}

const sources: Source[] = [
  { id: 'meta.v1', repo: 'apimachinery', dir: 'pkg/apis/meta/v1' },
  ...[
    'core/v1',
    'apps/v1',
    'batch/v1',
    'authentication/v1',
    'authorization/v1',
    'autoscaling/v1',
    'autoscaling/v2',
    'coordination/v1',
    'discovery/v1',
    'events/v1',
    'networking/v1',
    'policy/v1',
    'rbac/v1',
    'scheduling/v1',
    'storage/v1',
    'node/v1',
    'certificates/v1',
    'admissionregistration/v1',
  ].map((dir): Source => ({ id: dir.replace('/', '.'), repo: 'api', dir })),
];

/** Messages whose JSON is not their fields; schema.ts codes them by hand. */
const handWritten = new Set([
  'meta.v1.Time',
  'meta.v1.MicroTime',
  'meta.v1.Timestamp',
  'meta.v1.Duration',
  'meta.v1.FieldsV1',
  'meta.v1.TypeMeta', // inline in objects, carried by the envelope instead
]);

const protoPackages: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1': 'meta.v1',
  'k8s.io.apimachinery.pkg.api.resource': 'resource',
  'k8s.io.apimachinery.pkg.util.intstr': 'intstr',
  'k8s.io.apimachinery.pkg.runtime': 'runtime',
  'k8s.io.apimachinery.pkg.runtime.schema': 'runtime.schema',
};

const scalars = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'double']);

interface ProtoField {
  label: 'optional' | 'repeated' | 'map';
  type: string;
  protoName: string;
  number: number;
}

interface GoField {
  goName: string;
  goType: string;
  embedded: boolean;
  json: string;
  omitEmpty: boolean;
  number: number;
}

interface OutField {
  name: string;
  number: number;
  type: string;
  repeated: boolean;
  omitEmpty: boolean;
  pointer: boolean;
  inline: boolean;
}

function git(repoDir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', repoDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function qualify(type: string, pkg: string): string {
  if (scalars.has(type)) return type;
  const t = type.replace(/^\./, '');
  const dot = t.lastIndexOf('.');
  if (dot < 0) return `${pkg}.${t}`;
  const protoPkg = t.slice(0, dot);
  const name = t.slice(dot + 1);
  const mapped = protoPackages[protoPkg] ?? protoPkg.replace(/^k8s\.io\.api\./, '');
  return `${mapped}.${name}`;
}

function parseProto(text: string, pkg: string): Map<string, ProtoField[]> {
  const messages = new Map<string, ProtoField[]>();
  let current: ProtoField[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    const msg = /^message (\w+) \{$/.exec(line);
    if (msg) {
      current = [];
      messages.set(msg[1]!, current);
      continue;
    }
    if (line === '}') {
      current = undefined;
      continue;
    }
    if (!current) continue;
    const map = /^map<string, ?(\S+)> (\w+) = (\d+);$/.exec(line);
    if (map) {
      current.push({ label: 'map', type: qualify(map[1]!, pkg), protoName: map[2]!, number: Number(map[3]) });
      continue;
    }
    const f = /^(optional|repeated) (\S+) (\w+) = (\d+);$/.exec(line);
    if (!f) throw new Error(`${pkg}: cannot parse proto line: ${line}`);
    current.push({
      label: f[1] as 'optional' | 'repeated',
      type: qualify(f[2]!, pkg),
      protoName: f[3]!,
      number: Number(f[4]),
    });
  }
  return messages;
}

function parseGo(text: string, structs: Map<string, GoField[]>, sliceTypes: Map<string, string>, aliasTypes: Set<string>): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const slice = /^type (\w+) \[\](\w+)$/.exec(lines[i]!);
    if (slice) sliceTypes.set(slice[1]!, slice[2]!);
    const alias = /^type (\w+) \w+\.(\w+)$/.exec(lines[i]!);
    if (alias) aliasTypes.add(alias[1]!);
    const empty = /^type (\w+) struct ?\{\}$/.exec(lines[i]!);
    if (empty) structs.set(empty[1]!, []);
    const st = /^type (\w+) struct \{$/.exec(lines[i]!);
    if (!st) continue;
    const fields: GoField[] = [];
    for (i++; i < lines.length && lines[i] !== '}'; i++) {
      const line = lines[i]!.trim();
      if (line.startsWith('//')) continue;
      const tick = line.indexOf('`');
      if (tick < 0) continue;
      const tag = line.slice(tick + 1, line.lastIndexOf('`'));
      const pb = /protobuf:"([^"]*)"/.exec(tag);
      if (!pb) continue;
      const tokens = line.slice(0, tick).trim().split(/\s+/);
      const embedded = tokens.length === 1;
      const goType = embedded ? tokens[0]! : tokens[1]!;
      const goName = embedded ? goType.replace(/^\*/, '').replace(/^\w+\./, '') : tokens[0]!;
      const jsonTag = /json:"([^"]*)"/.exec(tag)?.[1] ?? '';
      const [jsonName = '', ...opts] = jsonTag.split(',');
      fields.push({
        goName,
        goType,
        embedded,
        json: jsonName,
        omitEmpty: opts.includes('omitempty') || opts.includes('omitzero'),
        number: Number(pb[1]!.split(',')[1]),
      });
    }
    structs.set(st[1]!, fields);
  }
}

function parseKinds(registerGo: string): { group: string; kinds: string[] } {
  const group = /const GroupName = "([^"]*)"/.exec(registerGo)?.[1];
  if (group === undefined) throw new Error('GroupName not found in register.go');
  const kinds: string[] = [];
  const block = /AddKnownTypes\(SchemeGroupVersion,([\s\S]*?)\)\n/g;
  for (let m = block.exec(registerGo); m; m = block.exec(registerGo)) {
    for (const k of m[1]!.matchAll(/&(\w+)\{\}/g)) kinds.push(k[1]!);
  }
  return { group, kinds };
}

function join(
  src: Source,
  proto: Map<string, ProtoField[]>,
  structs: Map<string, GoField[]>,
  sliceTypes: Map<string, string>,
  aliasTypes: Set<string>,
) {
  const out = new Map<string, { fields: OutField[]; jsonArray: boolean }>();
  for (const [name, pfields] of proto) {
    const qname = `${src.id}.${name}`;
    if (handWritten.has(qname)) continue;
    const gfields = structs.get(name);
    if (!gfields) {
      const only = pfields[0];
      if (sliceTypes.has(name) && pfields.length === 1 && only?.label === 'repeated' && only.protoName === 'items') {
        out.set(qname, {
          jsonArray: true,
          fields: [{ name: 'items', number: 1, type: only.type, repeated: true, omitEmpty: true, pointer: false, inline: false }],
        });
        continue;
      }
      if (aliasTypes.has(name)) {
        // `type List metav1.List`: another package's struct; its proto names are its JSON names
        const fields = pfields.map((p): OutField => ({
          name: p.protoName,
          number: p.number,
          type: p.label === 'map' ? `map<string,${p.type}>` : p.type,
          repeated: p.label === 'repeated',
          omitEmpty: true,
          pointer: false,
          inline: false,
        }));
        console.warn(`${qname}: defined as another package's type; fields taken from generated.proto`);
        out.set(qname, { fields, jsonArray: false });
        continue;
      }
      throw new Error(`${qname}: no Go struct or slice type`);
    }
    const fields: OutField[] = [];
    for (const gf of gfields) {
      const pf = pfields.find((p) => p.number === gf.number);
      if (!pf) throw new Error(`${qname}.${gf.goName}: protobuf tag ${gf.number} not in generated.proto`);
      const inline = gf.embedded && gf.json === '';
      const name = inline ? pf.protoName : gf.json === '' ? gf.goName : gf.json;
      if (!inline && name !== pf.protoName) {
        console.warn(`${qname}: JSON name ${name}, proto name ${pf.protoName}; the JSON name wins`);
      }
      const isBytes = pf.type === 'bytes';
      fields.push({
        name,
        number: pf.number,
        type: pf.label === 'map' ? `map<string,${pf.type}>` : pf.type,
        repeated: pf.label === 'repeated',
        omitEmpty: gf.omitEmpty,
        // []byte is nil-able like a pointer: gogo writes it whenever it is non-nil
        pointer: gf.goType.startsWith('*') || (isBytes && pf.label === 'optional'),
        inline,
      });
    }
    for (const pf of pfields) {
      if (!fields.some((f) => f.number === pf.number)) throw new Error(`${qname}: proto field ${pf.protoName} has no Go field`);
    }
    out.set(qname, { fields, jsonArray: false });
  }
  return out;
}

function render(src: Source, ref: string, messages: ReturnType<typeof join>, apiVersion: string, kinds: string[]): string {
  const q = (s: string) => `'${s}'`;
  const lines: string[] = [];
  const upstream = src.repo === 'api' ? `k8s.io/api ${src.dir}` : `k8s.io/apimachinery ${src.dir}`;
  lines.push(`// Protobuf schemas of ${upstream} (kubernetes/${src.repo} ${ref}): field numbers and types`);
  lines.push(`// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.`);
  lines.push(`// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.`);
  lines.push('');
  lines.push(`import type { KindTable, MessageSchemas } from '../schema.ts';`);
  lines.push('');
  lines.push('export const messages: MessageSchemas = {');
  for (const [name, m] of [...messages].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`  ${q(name)}: {${m.jsonArray ? ' jsonArray: true,' : ''}`);
    lines.push('    fields: [');
    for (const f of m.fields) {
      const parts = [`name: ${q(f.name)}`, `number: ${f.number}`, `type: ${q(f.type)}`];
      if (f.repeated) parts.push('repeated: true');
      if (!f.omitEmpty && !m.jsonArray) parts.push('omitEmpty: false');
      if (f.pointer) parts.push('pointer: true');
      if (f.inline) parts.push('inline: true');
      lines.push(`      { ${parts.join(', ')} },`);
    }
    lines.push('    ],');
    lines.push('  },');
  }
  lines.push('};');
  lines.push('');
  const known = kinds.filter((k) => messages.has(`${src.id}.${k}`));
  lines.push(`export const kinds: KindTable = {`);
  lines.push(`  apiVersion: ${q(apiVersion)},`);
  lines.push(`  kinds: {`);
  for (const k of known) lines.push(`    ${k}: ${q(`${src.id}.${k}`)},`);
  lines.push('  },');
  lines.push('};');
  lines.push('');
  return lines.join('\n');
}

function main(): void {
  const [apiRepo, machineryRepo, ref = 'v0.36.3'] = process.argv.slice(2);
  if (!apiRepo || !machineryRepo) throw new Error('usage: gen-schemas.ts <kubernetes/api git dir> <kubernetes/apimachinery git dir>');
  const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'types');
  for (const src of sources) {
    const repo = src.repo === 'api' ? apiRepo : machineryRepo;
    const sha = git(repo, 'rev-parse', `${ref}^{commit}`).trim();
    const proto = parseProto(git(repo, 'show', `${sha}:${src.dir}/generated.proto`), src.id);
    const structs = new Map<string, GoField[]>();
    const sliceTypes = new Map<string, string>();
    const aliasTypes = new Set<string>();
    const files = git(repo, 'ls-tree', '--name-only', sha, `${src.dir}/`)
      .split('\n')
      .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !/generated|zz_/.test(path.basename(f)));
    for (const f of files) parseGo(git(repo, 'show', `${sha}:${f}`), structs, sliceTypes, aliasTypes);
    const messages = join(src, proto, structs, sliceTypes, aliasTypes);
    const { group, kinds } = parseKinds(git(repo, 'show', `${sha}:${src.dir}/register.go`));
    const version = src.dir.split('/').pop()!;
    const apiVersion = src.id === 'meta.v1' ? 'meta.k8s.io/v1' : group === '' ? version : `${group}/${version}`;
    const file = path.join(outDir, `${src.id.replace('.', '-')}.ts`);
    writeFileSync(file, render(src, ref, messages, apiVersion, kinds));
    console.log(`${path.basename(file)}: ${messages.size} messages`);
  }
}

main();
