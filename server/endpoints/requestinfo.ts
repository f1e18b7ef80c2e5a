// Parses a request path the way upstream's RequestInfoFactory does
// (apiserver/pkg/endpoints/request/requestinfo.go): API prefix, group, version, namespace,
// resource, name, subresource and the Kubernetes verb.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

// Subresources of a namespace that are not namespaced resources (upstream's namespaceSubresources).
const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, rawPath: string, query: URLSearchParams): RequestInfo {
  // Upstream reads the decoded path (Go's URL.Path): a client may escape a name's ':' as %3A.
  const path = decodedPath(rawPath);
  const info: RequestInfo = {
    isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: '', apiGroup: '', apiVersion: '',
    namespace: '', resource: '', subresource: '', name: '', parts: [],
  };
  const segments = path.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
  if (segments.length < 1 || (segments[0] !== 'api' && segments[0] !== 'apis')) return info;
  info.apiPrefix = segments[0]!;
  let rest = segments.slice(1);
  if (info.apiPrefix === 'apis') {
    if (rest.length < 1) return info;
    info.apiGroup = rest[0]!;
    rest = rest.slice(1);
  }
  if (rest.length < 1) return info;
  info.apiVersion = rest[0]!;
  rest = rest.slice(1);
  if (rest.length < 1) return info;
  info.isResourceRequest = true;

  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  // Upstream leaves "proxy" as a verb prefix only for legacy paths; we route proxy as a subresource.

  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      info.namespace = rest[1]!;
      if (rest.length > 2 && !namespaceSubresources.has(rest[2]!)) {
        rest = rest.slice(2);
      } else {
        // /namespaces/{name}[/status|finalize]: the namespace object itself.
        info.namespace = '';
        info.name = rest[1]!;
        info.resource = 'namespaces';
        info.subresource = rest[2] ?? '';
        info.parts = rest;
        info.verb = verbFor(method, true, watchPrefix, query);
        if (info.subresource === '' && info.verb === 'get' && queryBool(query, 'watch')) info.verb = 'watch';
        return info;
      }
    }
  }
  info.parts = rest;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest.slice(2).join('/');
  // Subresource paths longer than one segment (e.g. proxy/<path>) keep the rest in parts.
  if (rest.length > 3) info.subresource = rest[2]!;
  info.verb = verbFor(method, info.name !== '', watchPrefix, query);
  return info;
}

function decodedPath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a malformed escape names nothing we serve: it ends in a 404
  }
}

/**
 * A boolean query parameter as upstream's parameter codec reads one (Convert_Slice_string_To_bool):
 * absent is false; present is true unless it is "0" or "false" in any case — so the Python
 * client's `watch=True` is a watch.
 */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && v !== '0' && v.toLowerCase() !== 'false';
}

function verbFor(method: string, hasName: boolean, watchPrefix: boolean, query: URLSearchParams): string {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      if (watchPrefix || queryBool(query, 'watch')) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}
