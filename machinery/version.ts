// The Kubernetes version Capstan reports, from the API server's /version and from every kubelet
// and proxy (kubectl on these machines picks its own version from the server's).
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4' };
export const KUBERNETES_VERSION_STRING = KUBERNETES_VERSION.gitVersion;
