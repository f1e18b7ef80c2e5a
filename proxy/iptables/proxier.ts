// The iptables proxier: turns the service map into rules and writes them with one
// iptables-restore per sync. A full sync (the first, a periodic one, and any after a failure)
// reads iptables-save to find this tag's leftover chains and missing jump rules, as upstream's
// does; the others only rewrite our chains and delete the ones the last sync wrote and this one
// no longer needs. Stop removes every jump and chain of the tag.
import { readFileSync, writeFileSync } from 'node:fs';
import type { EndpointInfo, ServicePortInfo } from '../servicemap.ts';
import type { IptablesRunner } from './exec.ts';
import {
  generateRules, missingJumps, parseSaved, renderCleanup, renderRestore, validateClusterTag, type RestoreExtras, type RuleOptions,
} from './rules.ts';

const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
const BRIDGE_NF_CALL_IPTABLES = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const TCP_BE_LIBERAL = '/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal';

const readSysctl = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

export interface IptablesProxierOptions {
  tag: string;
  runner: IptablesRunner;
  rules: Omit<RuleOptions, 'tag' | 'dropInvalid'>;
  log: (msg: string) => void;
}

export class IptablesProxier {
  private written: { nat: string[]; filter: string[] } = { nat: [], filter: [] };
  private needFullSync = true;
  private readonly ruleOptions: RuleOptions;

  constructor(private readonly o: IptablesProxierOptions) {
    validateClusterTag(o.tag);
    // Upstream skips its INVALID-drop rule when the kernel is told to be liberal with TCP windows.
    this.ruleOptions = { ...o.rules, tag: o.tag, dropInvalid: readSysctl(TCP_BE_LIBERAL) !== '1' };
  }

  /** The host settings the rules rely on, as kube-proxy sets them at start. */
  prepareHost(): void {
    const localhostNodePorts = this.o.rules.nodePortAddresses === undefined || this.o.rules.nodePortAddresses.some((a) => a.startsWith('127.'));
    if (localhostNodePorts && readSysctl(ROUTE_LOCALNET) !== '1') {
      // NodePorts on 127.0.0.1 need the kernel to route (DNAT) loopback-addressed packets.
      this.o.log('proxy: setting net.ipv4.conf.all.route_localnet=1 so that NodePorts answer on 127.0.0.1');
      writeFileSync(ROUTE_LOCALNET, '1');
    }
    const bridged = readSysctl(BRIDGE_NF_CALL_IPTABLES);
    if (bridged !== '1') {
      this.o.log(`proxy: net.bridge.bridge-nf-call-iptables is ${bridged ?? 'missing (br_netfilter not loaded)'}: pods reaching a service whose endpoint shares their bridge will see replies from the wrong address`);
    }
  }

  /** Writes the rules for this state; throws when iptables-restore fails (the next sync is then a full one). */
  async sync(servicePorts: readonly ServicePortInfo[], endpoints: ReadonlyMap<string, readonly EndpointInfo[]>, full = false): Promise<void> {
    const rules = generateRules(servicePorts, endpoints, this.ruleOptions);
    let extras: RestoreExtras;
    const doFull = full || this.needFullSync;
    this.needFullSync = true;
    if (doFull) {
      const [nat, filter] = await Promise.all([this.o.runner.save('nat'), this.o.runner.save('filter')]);
      const saved = { nat: parseSaved(nat, this.o.tag), filter: parseSaved(filter, this.o.tag) };
      // Jumps into chains this version no longer writes (an older run's) would keep them from being deleted.
      const staleJumps = (t: 'nat' | 'filter') => saved[t].jumps.filter((j) => !rules[t].chains.includes(j.target)).map((j) => j.spec);
      extras = {
        staleChains: { nat: saved.nat.chains, filter: saved.filter.chains },
        missingJumps: missingJumps(this.o.tag, saved),
        staleJumps: { nat: staleJumps('nat'), filter: staleJumps('filter') },
      };
    } else {
      extras = { staleChains: this.written };
    }
    await this.o.runner.restore(renderRestore(rules, extras));
    this.written = { nat: rules.nat.chains, filter: rules.filter.chains };
    this.needFullSync = false;
  }

  /** Removes every jump rule and chain of this tag. */
  async cleanup(): Promise<void> {
    const [nat, filter] = await Promise.all([this.o.runner.save('nat'), this.o.runner.save('filter')]);
    const input = renderCleanup({ nat: parseSaved(nat, this.o.tag), filter: parseSaved(filter, this.o.tag) });
    if (input) await this.o.runner.restore(input);
    this.written = { nat: [], filter: [] };
    this.needFullSync = true;
  }
}
