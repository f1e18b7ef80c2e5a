// A testbed for the proxy's integration tests and benchmark: busybox containers on Capstan's
// `capstan` Docker network at fixed addresses (10.240.250.0/24 and up, a range no kubelet hands
// out), labelled so that they can all be removed together; small HTTP and UDP clients; and UDP
// "backends" on the host answering DNS queries with a name of their own. Needs root and Docker.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import * as packet from 'dns-packet';

export const LABEL_TESTBED = 'dev.capstan.proxy-testbed';
/** Capstan's pod network (kubelet/runtime/docker: DOCKER_NETWORK, DOCKER_CLUSTER_CIDR). */
export const POD_NETWORK = 'capstan';
export const POD_SUBNET = '10.240.0.0/16';
export const POD_GATEWAY = '10.240.0.1';
export const BUSYBOX = 'busybox:latest';

export function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.slice(0, 3).join(' ')} …: ${err.killed ? `no answer within ${timeoutMs} ms` : stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Creates the `capstan` network as the Docker runtime would, unless it exists. */
export async function ensurePodNetwork(): Promise<void> {
  try {
    await docker(['network', 'inspect', POD_NETWORK]);
  } catch {
    await docker(['network', 'create', '--driver', 'bridge', '--subnet', POD_SUBNET, '--gateway', POD_GATEWAY, '--label', 'dev.capstan.network=true', POD_NETWORK])
      .catch(async (e) => { await docker(['network', 'inspect', POD_NETWORK]).catch(() => { throw e; }); });
  }
}

/** The gateway of Docker's default bridge (where a container outside the pod network reaches the host). */
export async function defaultBridgeGateway(): Promise<string> {
  const out = await docker(['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}']);
  return out.trim() || '172.17.0.1';
}

/** One of this host's non-loopback IPv4 addresses outside Docker's networks: "the node IP". */
export function hostIP(): string {
  const all = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => ({ name, address: a.address })));
  const pick = all.find((a) => !a.name.startsWith('docker') && !a.name.startsWith('br-') && !a.name.startsWith('veth')) ?? all[0];
  if (!pick) throw new Error('testbed: this host has no non-loopback IPv4 address');
  return pick.address;
}

export class Testbed {
  readonly id = `p${randomInt(1 << 30).toString(36)}`;
  /** Addresses 10.240.<third>.<base + i>. */
  private third = 250 + randomInt(6);
  private base = 2 + 10 * randomInt(24);
  private next = 0;

  /** A busybox container on the pod network with its own address; the command is run by sh -c. */
  async podContainer(name: string, command: string, opts: { memory?: string } = {}): Promise<{ name: string; ip: string }> {
    for (let attempt = 0; ; attempt++) {
      if (this.next >= 10) { this.next = 0; this.base = 2 + 10 * randomInt(24); }
      const ip = `10.240.${this.third}.${this.base + this.next++}`;
      const container = `capstan-${this.id}-${name}`;
      try {
        await docker(['run', '-d', '--name', container, '--hostname', name, '--network', POD_NETWORK, '--ip', ip, '--label', `${LABEL_TESTBED}=${this.id}`,
          ...(opts.memory ? ['--memory', opts.memory] : []), BUSYBOX, 'sh', '-c', command]);
        return { name: container, ip };
      } catch (e) {
        await docker(['rm', '-f', container]).catch(() => {});
        // Another testbed holds the address: move to a fresh block.
        if (attempt < 5 && /address|in use/i.test((e as Error).message)) {
          this.third = 250 + randomInt(6);
          this.base = 2 + 10 * randomInt(24);
          this.next = 0;
          continue;
        }
        throw e;
      }
    }
  }

  /** busybox httpd on port 8080 whose page is its hostname (the name given). */
  httpBackend(name: string): Promise<{ name: string; ip: string }> {
    return this.podContainer(name, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www');
  }

  /** A container on Docker's default bridge: a client from outside the pod network. */
  async outsideContainer(name: string): Promise<string> {
    const container = `capstan-${this.id}-${name}`;
    await docker(['run', '-d', '--name', container, '--label', `${LABEL_TESTBED}=${this.id}`, BUSYBOX, 'sleep', '3600']);
    return container;
  }

  /**
   * Turns on hairpin mode on the bridge port of a container's veth (the kubelet's hairpin-veth):
   * with br_netfilter, a packet DNATed back to the pod it came from leaves by the port it entered,
   * which a bridge refuses unless the port allows it.
   */
  async enableHairpin(container: string): Promise<void> {
    const ifindex = (await this.exec(container, 'cat /sys/class/net/eth0/iflink')).trim();
    const veth = readdirSync('/sys/class/net').find((n) => {
      try { return readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8').trim() === ifindex; } catch { return false; }
    });
    if (!veth) throw new Error(`testbed: no host interface with ifindex ${ifindex} for ${container}`);
    writeFileSync(`/sys/class/net/${veth}/brport/hairpin_mode`, '1');
  }

  async exec(container: string, script: string, timeoutMs = 60_000): Promise<string> {
    return docker(['exec', container, 'sh', '-c', script], timeoutMs);
  }

  async removeAll(): Promise<void> {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL_TESTBED}=${this.id}`]).catch(() => '')).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => {});
  }
}

/** GET on a fresh connection: the body, or an error after timeoutMs. */
export function httpGet(url: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8').trim()) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

/** n GETs one after another, each on a new connection; the bodies. */
export async function httpGets(url: string, n: number, timeoutMs = 2_000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await httpGet(url, timeoutMs));
  return out;
}

/** A DNS server on the host answering every A query with `answer` (how a UDP backend says who it is). */
export async function udpNameServer(host: string, answer: string): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let query: packet.Packet;
    try {
      query = packet.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    const answers: packet.Answer[] = q && q.type === 'A' ? [{ type: 'A', name: q.name, ttl: 1, class: 'IN', data: answer }] : [];
    socket.send(packet.encode({ id: query.id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE, questions: query.questions ?? [], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(0, host, () => resolve()); });
  return { port: socket.address().port, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

/** One A query from a fresh socket (a new source port: a new conntrack entry); the first answer. */
export function udpQuery(host: string, port: number, name = 'probe.test', timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => { socket.close(); reject(new Error(`udp ${host}:${port}: no answer`)); }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      const a = packet.decode(msg).answers?.[0];
      resolve(a && a.type === 'A' ? a.data : '');
    });
    socket.send(packet.encode({ id: randomInt(65_536), type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] }), port, host);
  });
}
