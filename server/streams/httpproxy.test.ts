// The pure parts of the proxy subresources, table-tested against upstream's behaviour: name and
// subpath parsing, path joining, escaping, redirect rewriting, which pod IPs may be proxied to.
import { describe, expect, it } from 'vitest';
import { escapePath, joinPreservingTrailingSlash, proxyNameAndSubpath, rewriteLocation, splitSchemeNamePort } from './httpproxy.ts';
import { isGlobalUnicast } from './proxy.ts';
import { isProxyPath, isStreamRequest } from './index.ts';
import { parseRequestInfo } from '../endpoints/requestinfo.ts';

describe('SplitSchemeNamePort', () => {
  it('reads name, name:port and scheme:name:port, the scheme http or https', () => {
    expect(splitSchemeNamePort('web')).toEqual({ scheme: '', name: 'web', port: '' });
    expect(splitSchemeNamePort('web:8080')).toEqual({ scheme: '', name: 'web', port: '8080' });
    expect(splitSchemeNamePort('web:http')).toEqual({ scheme: '', name: 'web', port: 'http' });
    expect(splitSchemeNamePort('https:web:443')).toEqual({ scheme: 'https', name: 'web', port: '443' });
    expect(splitSchemeNamePort('https:web:')).toEqual({ scheme: 'https', name: 'web', port: '' });
    for (const bad of ['', ':80', 'ftp:web:21', 'a:b:c:d', 'http::80']) expect(splitSchemeNamePort(bad), bad).toBeUndefined();
  });
});

describe('the subpath of a proxy request', () => {
  it('is what follows .../proxy, with a leading slash, and a trailing one when the request had it', () => {
    const pod = (p: string) => proxyNameAndSubpath(p, 7);
    expect(pod('/api/v1/namespaces/ns/pods/web:80/proxy')).toEqual({ name: 'web:80', subpath: '' });
    expect(pod('/api/v1/namespaces/ns/pods/web/proxy/')).toEqual({ name: 'web', subpath: '/' });
    expect(pod('/api/v1/namespaces/ns/pods/web/proxy/a/b')).toEqual({ name: 'web', subpath: '/a/b' });
    expect(pod('/api/v1/namespaces/ns/pods/web/proxy/a//b/')).toEqual({ name: 'web', subpath: '/a//b/' });
    expect(proxyNameAndSubpath('/api/v1/nodes/n1/proxy/logs/', 5)).toEqual({ name: 'n1', subpath: '/logs/' });
  });

  it('joins the location path as JoinPreservingTrailingSlash (cleaned, trailing slash kept)', () => {
    expect(joinPreservingTrailingSlash('', '')).toBe('');
    expect(joinPreservingTrailingSlash('', '/')).toBe('/');
    expect(joinPreservingTrailingSlash('', '/a//b/../c/')).toBe('/a/c/');
    expect(joinPreservingTrailingSlash('', '/../x')).toBe('/x');
    expect(joinPreservingTrailingSlash('/base', '/x')).toBe('/base/x');
  });

  it('goes on the wire escaped as Go escapes a path', () => {
    expect(escapePath('/a b/ü/x;y=1:@$&+,~')).toBe('/a%20b/%C3%BC/x;y=1:@$&+,~');
    expect(escapePath('/what?#')).toBe('/what%3F%23');
  });
});

describe('redirects from the backend', () => {
  const prefix = '/api/v1/namespaces/ns/services/web:80/proxy';
  const rewrite = (loc: string) => rewriteLocation(loc, '10.0.0.5:8080', 'api.example:6443', prefix);
  it('come back through the proxy when they point at the backend itself', () => {
    expect(rewrite('/login?next=%2F')).toBe(`${prefix}/login?next=%2F`);
    expect(rewrite('/dir/')).toBe(`${prefix}/dir/`);
    expect(rewrite('http://10.0.0.5:8080/x')).toBe(`${prefix}/x`);
    expect(rewrite('https://api.example:6443/y#top')).toBe(`https://api.example:6443${prefix}/y#top`);
    expect(rewrite(`${prefix}/already`)).toBe(`${prefix}/already`);
  });
  it('are left alone when they go elsewhere or are relative', () => {
    expect(rewrite('http://example.com/x')).toBe('http://example.com/x');
    expect(rewrite('next/page')).toBe('next/page');
  });
});

describe('pod IPs that may be proxied to (Go\'s IsGlobalUnicast)', () => {
  it('exclude unspecified, loopback, link-local, multicast and broadcast addresses', () => {
    for (const ip of ['10.240.0.7', '192.0.2.2', '8.8.8.8', '2001:db8::1', '010.1.2.3']) expect(isGlobalUnicast(ip), ip).toBe(true);
    for (const ip of ['', 'nope', '0.0.0.0', '127.0.0.1', '169.254.1.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1']) {
      expect(isGlobalUnicast(ip), ip).toBe(false);
    }
  });
});

describe('which requests are proxied', () => {
  const is = (method: string, p: string) => isStreamRequest(parseRequestInfo(method, p, new URLSearchParams()));
  it('routes pods/proxy and services/proxy with any subpath, and streams their bodies', () => {
    expect(is('GET', '/api/v1/namespaces/ns/pods/web/proxy')).toBe(true);
    expect(is('POST', '/api/v1/namespaces/ns/pods/web:8080/proxy/a/b')).toBe(true);
    expect(is('DELETE', '/api/v1/namespaces/ns/services/https:web:443/proxy/')).toBe(true);
    expect(is('GET', '/api/v1/namespaces/ns/services/web')).toBe(false);
    expect(is('GET', '/api/v1/namespaces/ns/services/web/status')).toBe(false);
    expect(isProxyPath('/api/v1/namespaces/ns/services/web:80/proxy/upload')).toBe(true);
    expect(isProxyPath('/api/v1/nodes/n1/proxy')).toBe(true);
    expect(isProxyPath('/api/v1/namespaces/ns/configmaps/proxy')).toBe(false);
    expect(isProxyPath('/api/v1/namespaces/ns/pods/web/proxyish')).toBe(false);
  });
});
