import { describe, expect, it } from 'vitest';
import { parseCsv, parseTokenFile } from './tokenfile.ts';

describe('static token file (--token-auth-file)', () => {
  it('reads token,user,uid and a quoted group list, as upstream\'s CSV', () => {
    const tokens = parseTokenFile([
      'abc123,alice,1001,"devs,ops"',
      '',
      'def456,bob,1002',
      'ghi789,carol,1003,admins,ignored',
    ].join('\r\n'));
    expect(tokens).toEqual([
      { token: 'abc123', user: { name: 'alice', uid: '1001', groups: ['devs', 'ops'] } },
      { token: 'def456', user: { name: 'bob', uid: '1002', groups: [] } },
      // Only the fourth column holds groups.
      { token: 'ghi789', user: { name: 'carol', uid: '1003', groups: ['admins'] } },
    ]);
  });

  it('skips empty tokens; a repeated token keeps its last record', () => {
    expect(parseTokenFile(',nobody,0\nt,first,1\nt,second,2\n')).toEqual([{ token: 't', user: { name: 'second', uid: '2', groups: [] } }]);
  });

  it('refuses records with fewer than three columns, naming the file', () => {
    expect(() => parseTokenFile('t,alice\n', '/etc/tokens.csv'))
      .toThrow("token file '/etc/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2");
  });

  it('parses quotes as Go\'s encoding/csv does', () => {
    expect(parseCsv('"a ""quoted"" field","multi\nline",plain\n')).toEqual([['a "quoted" field', 'multi\nline', 'plain']]);
    expect(() => parseCsv('a"b,c\n')).toThrow('bare " in non-quoted-field');
    expect(() => parseCsv('"open,c\n')).toThrow('extraneous or missing " in quoted-field');
  });
});
