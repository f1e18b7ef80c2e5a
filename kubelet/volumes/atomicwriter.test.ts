import { mkdtempSync, promises as fs, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePayloadPath, writeAtomic, type Payload } from './atomicwriter.ts';

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(path.join(tmpdir(), 'atomic-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const payload = (files: Record<string, [string, number]>): Payload =>
  new Map(Object.entries(files).map(([p, [data, mode]]) => [p, { data: Buffer.from(data), mode }]));

describe('atomic writer (upstream layout: ..<timestamp> dir, ..data symlink, user-visible symlinks)', () => {
  it('writes the files into a timestamped directory behind ..data, visible through symlinks, with exact modes', async () => {
    const dir = tmp();
    expect(await writeAtomic(dir, payload({ 'a.txt': ['A', 0o644], 'secret/key': ['K', 0o400] }), new Date(Date.UTC(2024, 4, 1, 10, 2, 3)))).toBe(true);
    const version = readlinkSync(path.join(dir, '..data'));
    expect(version).toMatch(/^\.\.2024_05_01_10_02_03\.\d+$/);
    expect(readlinkSync(path.join(dir, 'a.txt'))).toBe('..data/a.txt');
    expect(readlinkSync(path.join(dir, 'secret'))).toBe('..data/secret');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('A');
    expect(readFileSync(path.join(dir, 'secret/key'), 'utf8')).toBe('K');
    expect(statSync(path.join(dir, version, 'a.txt')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(dir, version, 'secret/key')).mode & 0o777).toBe(0o400);
  });

  it('swaps ..data to a new version on change, removes the old one and the names no longer there', async () => {
    const dir = tmp();
    await writeAtomic(dir, payload({ a: ['1', 0o644], b: ['2', 0o644] }));
    const first = readlinkSync(path.join(dir, '..data'));
    expect(await writeAtomic(dir, payload({ a: ['one', 0o644] }))).toBe(true);
    const second = readlinkSync(path.join(dir, '..data'));
    expect(second).not.toBe(first);
    expect(readFileSync(path.join(dir, 'a'), 'utf8')).toBe('one');
    const names = (await fs.readdir(dir)).sort();
    expect(names).toEqual(['..data', second, 'a'].sort());
  });

  it('writes nothing when the payload is unchanged', async () => {
    const dir = tmp();
    await writeAtomic(dir, payload({ a: ['1', 0o644] }));
    const first = readlinkSync(path.join(dir, '..data'));
    expect(await writeAtomic(dir, payload({ a: ['1', 0o644] }))).toBe(false);
    expect(readlinkSync(path.join(dir, '..data'))).toBe(first);
    // A mode change is a change.
    expect(await writeAtomic(dir, payload({ a: ['1', 0o600] }))).toBe(true);
  });

  it.each([
    ['', 'must not be empty'],
    ['/etc/passwd', 'must be relative path'],
    ['a/../b', "must not contain '..'"],
    ['..hidden', "must not start with '..'"],
  ])('refuses the path %j', async (p, why) => {
    expect(validatePayloadPath(p)).toContain(why);
    await expect(writeAtomic(tmp(), payload({ [p]: ['x', 0o644] }))).rejects.toThrow(why);
  });
});
