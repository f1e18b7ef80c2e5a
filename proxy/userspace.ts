// The userspace fallback (no root, or no working iptables-restore): like upstream's long-gone
// userspace proxier, but for NodePorts only. Each NodePort service port gets a TCP server or a UDP
// socket on the node port; each connection (TCP) or client address (UDP) goes to a ready endpoint,
// round-robin, or to the one it had before under sessionAffinity: ClientIP. Cluster IPs are not
// reachable in this mode: nothing can intercept traffic to a virtual address without the kernel's help.
import dgram from 'node:dgram';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { categorizeEndpoints, endpointString, type EndpointInfo, type ServicePortInfo } from './servicemap.ts';

/** A UDP client's session ends after this long without a datagram either way. */
const UDP_IDLE_MS = 30_000;

/** What one listener forwards to, replaced on every sync. */
interface Target {
  sp: ServicePortInfo;
  /** Endpoints for clients on this host (upstream: locally originated traffic uses the Cluster policy). */
  forLocalClients: EndpointInfo[];
  /** Endpoints for everyone else (the Local policy's, when externalTrafficPolicy is Local). */
  forExternalClients: EndpointInfo[];
}

/** Round robin with ClientIP affinity over a changing list of endpoints. */
export class EndpointPicker {
  private next = 0;
  private readonly affinity = new Map<string, { endpoint: string; lastUsed: number }>();

  pick(endpoints: readonly EndpointInfo[], clientIP: string, affinitySeconds: number, now = Date.now()): EndpointInfo | undefined {
    if (endpoints.length === 0) return undefined;
    if (affinitySeconds > 0) {
      const held = this.affinity.get(clientIP);
      if (held && now - held.lastUsed <= affinitySeconds * 1_000) {
        const ep = endpoints.find((e) => endpointString(e) === held.endpoint);
        if (ep) {
          held.lastUsed = now;
          return ep;
        }
      }
    }
    const ep = endpoints[this.next++ % endpoints.length]!;
    if (affinitySeconds > 0) {
      this.affinity.set(clientIP, { endpoint: endpointString(ep), lastUsed: now });
      if (this.affinity.size > 10_000) this.sweep(affinitySeconds, now);
    }
    return ep;
  }

  private sweep(affinitySeconds: number, now: number): void {
    for (const [ip, a] of this.affinity) if (now - a.lastUsed > affinitySeconds * 1_000) this.affinity.delete(ip);
  }
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.add(a.address);
  return out;
}

const plainIPv4 = (addr: string | undefined): string => (addr ?? '').replace(/^::ffff:/, '');

interface Listener {
  key: string;
  target: Target;
  picker: EndpointPicker;
  close(): Promise<void>;
}

export interface UserspaceProxierOptions {
  /** Addresses to listen on; default all (0.0.0.0). */
  addresses?: string[];
  log: (msg: string) => void;
}

export class UserspaceProxier {
  private readonly listeners = new Map<string, Listener>();
  private local = localAddresses();

  constructor(private readonly o: UserspaceProxierOptions) {}

  /** Opens, retargets and closes listeners to match the service map. */
  async sync(servicePorts: readonly ServicePortInfo[], endpoints: ReadonlyMap<string, readonly EndpointInfo[]>): Promise<void> {
    this.local = localAddresses();
    const wanted = new Map<string, Target>();
    for (const sp of servicePorts) {
      if (!sp.nodePort || sp.protocol === 'SCTP') continue;
      const cat = categorizeEndpoints(endpoints.get(sp.key) ?? [], sp);
      wanted.set(`${sp.protocol}/${sp.nodePort}`, { sp, forLocalClients: cat.cluster, forExternalClients: sp.externalPolicyLocal ? cat.local : cat.cluster });
    }
    for (const [key, l] of [...this.listeners]) {
      const t = wanted.get(key);
      if (t && t.sp.key === l.target.sp.key) continue;
      this.listeners.delete(key);
      await l.close();
    }
    for (const [key, target] of wanted) {
      const have = this.listeners.get(key);
      if (have) {
        have.target = target;
        continue;
      }
      try {
        this.listeners.set(key, target.sp.protocol === 'UDP' ? await this.openUDP(key, target) : await this.openTCP(key, target));
      } catch (e) {
        // Another program holds the port; the next sync tries again.
        this.o.log(`proxy (userspace): cannot listen on ${key} for ${target.sp.nameString}: ${(e as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => l.close()));
  }

  private endpointsFor(l: Listener, clientIP: string): EndpointInfo[] {
    return this.local.has(clientIP) ? l.target.forLocalClients : l.target.forExternalClients;
  }

  private async openTCP(key: string, target: Target): Promise<Listener> {
    const servers: net.Server[] = [];
    const sockets = new Set<net.Socket>();
    const l: Listener = {
      key, target, picker: new EndpointPicker(),
      close: async () => {
        for (const s of sockets) s.destroy();
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      },
    };
    const onConnection = (client: net.Socket) => {
      const clientIP = plainIPv4(client.remoteAddress);
      const ep = l.picker.pick(this.endpointsFor(l, clientIP), clientIP, l.target.sp.stickyMaxAgeSeconds);
      if (!ep) {
        // No endpoint: refuse, as the iptables mode's REJECT does.
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect({ host: ep.ip, port: ep.port });
      sockets.add(client);
      sockets.add(upstream);
      const done = () => {
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.resetAndDestroy());
      client.on('close', () => { upstream.destroy(); done(); });
      upstream.on('close', () => { client.destroy(); done(); });
      client.pipe(upstream);
      upstream.pipe(client);
    };
    for (const host of this.o.addresses ?? ['0.0.0.0']) {
      const server = net.createServer(onConnection);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: target.sp.nodePort, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      }).catch(async (e) => {
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        throw e;
      });
      server.on('error', (e) => this.o.log(`proxy (userspace): ${key}: ${e.message}`));
      servers.push(server);
    }
    return l;
  }

  private async openUDP(key: string, target: Target): Promise<Listener> {
    const sockets: dgram.Socket[] = [];
    const sessions = new Map<string, { upstream: dgram.Socket; timer: NodeJS.Timeout }>();
    const l: Listener = {
      key, target, picker: new EndpointPicker(),
      close: async () => {
        for (const s of sessions.values()) { clearTimeout(s.timer); s.upstream.close(); }
        sessions.clear();
        await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
      },
    };
    const onMessage = (server: dgram.Socket) => (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      const id = `${rinfo.address}:${rinfo.port}`;
      let session = sessions.get(id);
      if (!session) {
        const ep = l.picker.pick(this.endpointsFor(l, rinfo.address), rinfo.address, l.target.sp.stickyMaxAgeSeconds);
        if (!ep) return;
        const upstream = dgram.createSocket('udp4');
        const end = () => {
          const s = sessions.get(id);
          if (s?.upstream !== upstream) return;
          sessions.delete(id);
          upstream.close();
        };
        const s = { upstream, timer: setTimeout(end, UDP_IDLE_MS) };
        s.timer.unref();
        upstream.on('message', (reply) => {
          s.timer.refresh();
          server.send(reply, rinfo.port, rinfo.address);
        });
        upstream.on('error', end);
        upstream.connect(ep.port, ep.ip);
        sessions.set(id, (session = s));
      }
      session.timer.refresh();
      const send = (up: dgram.Socket) => up.send(msg, (err) => { if (err) this.o.log(`proxy (userspace): ${key}: ${err.message}`); });
      const up = session.upstream;
      // connect() is asynchronous: the first datagram waits for it.
      try {
        up.remoteAddress();
        send(up);
      } catch {
        up.once('connect', () => send(up));
      }
    };
    for (const host of this.o.addresses ?? ['0.0.0.0']) {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: host, port: target.sp.nodePort, exclusive: true }, () => {
          socket.off('error', reject);
          resolve();
        });
      }).catch(async (e) => {
        await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
        throw e;
      });
      socket.on('message', onMessage(socket));
      socket.on('error', (e) => this.o.log(`proxy (userspace): ${key}: ${e.message}`));
      sockets.push(socket);
    }
    return l;
  }
}
