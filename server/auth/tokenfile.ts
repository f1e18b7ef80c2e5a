// The static token file (kube-apiserver --token-auth-file): one CSV record per token,
// `token,user,uid[,"group1,group2"]`. Upstream: apiserver/pkg/authentication/token/tokenfile.
import { readFileSync } from 'node:fs';
import type { StaticToken } from '../pipeline/authn.ts';

/** Reads and parses a token file; a malformed one stops the server from starting, as upstream. */
export function readTokenFile(file: string): StaticToken[] {
  return parseTokenFile(readFileSync(file, 'utf8'), file);
}

/**
 * At least three columns per record; the fourth, when present, is a comma-separated group list.
 * Records with an empty token are skipped; a repeated token keeps its last record.
 */
export function parseTokenFile(text: string, file = 'tokens'): StaticToken[] {
  const byToken = new Map<string, StaticToken>();
  for (const record of parseCsv(text)) {
    if (record.length < 3) {
      throw new Error(`token file '${file}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    const [token, name, uid, groups] = record as [string, string, string, string | undefined];
    if (token === '') continue;
    byToken.delete(token);
    byToken.set(token, { token, user: { name, uid, groups: groups === undefined ? [] : groups.split(',') } });
  }
  return [...byToken.values()];
}

/**
 * RFC 4180 records as Go's encoding/csv reads them: quoted fields may hold commas, newlines and
 * doubled quotes; blank lines are skipped; a quote inside an unquoted field is an error.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Skip blank lines (Go's reader ignores empty lines, \r\n included).
    if (text[i] === '\n') { i++; line++; continue; }
    if (text[i] === '\r' && text[i + 1] === '\n') { i += 2; line++; continue; }
    const record: string[] = [];
    const startLine = line;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const fieldLine = line;
        const col = i - text.lastIndexOf('\n', i - 1);
        i++;
        for (;;) {
          if (i >= n) throw new Error(`parse error on line ${fieldLine}, column ${col}: extraneous or missing " in quoted-field`);
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (ch === '\n') line++;
          if (ch === '\r' && text[i + 1] === '\n') { i++; continue; }
          field += ch;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          throw new Error(`parse error on line ${line}, column ${i - text.lastIndexOf('\n', i - 1)}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new Error(`parse error on line ${startLine}, column ${i - text.lastIndexOf('\n', i - 1)}: bare " in non-quoted-field`);
          field += text[i];
          i++;
        }
      }
      record.push(field);
      if (i < n && text[i] === ',') { i++; continue; }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') { i++; line++; }
    records.push(record);
  }
  return records;
}
