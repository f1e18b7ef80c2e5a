// A Job's own rules for pod failures and for success (upstream pkg/controller/job
// pod_failure_policy.go and success_policy.go): which failed pod fails the whole Job, which is not
// counted against backoffLimit, and which set of succeeded indexes is enough.
import type { V1ContainerStatus, V1Pod, V1PodFailurePolicy, V1PodFailurePolicyOnExitCodesRequirement, V1SuccessPolicy } from '@kubernetes/client-node';
import { parseIndexes, type OrderedIntervals } from './indexes.ts';

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyMatch {
  /** Set when a FailJob rule matched: the Job fails with this message. */
  failJobMessage?: string;
  /** False when an Ignore rule matched: the failure does not count against backoffLimit. */
  countFailed: boolean;
  action?: PodFailurePolicyAction;
}

function exitCodeMatches(code: number, req: V1PodFailurePolicyOnExitCodesRequirement): boolean {
  if (req.operator === 'In') return req.values.includes(code);
  if (req.operator === 'NotIn') return !req.values.includes(code);
  return false;
}

/** The first terminated container (then init container) whose non-zero exit code the rule names. */
function matchOnExitCodes(pod: V1Pod, req: V1PodFailurePolicyOnExitCodesRequirement): V1ContainerStatus | undefined {
  const pick = (list: V1ContainerStatus[] | undefined) => (list ?? []).find((cs) => {
    const t = cs.state?.terminated;
    if (!t) return false;
    if (req.containerName && req.containerName !== cs.name) return false;
    return t.exitCode !== 0 && exitCodeMatches(t.exitCode, req);
  });
  return pick(pod.status?.containerStatuses) ?? pick(pod.status?.initContainerStatuses);
}

/** Upstream matchPodFailurePolicy, rules in order, the first match wins. */
export function matchPodFailurePolicy(policy: V1PodFailurePolicy | undefined, pod: V1Pod, backoffLimitPerIndex = false): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    const action = rule.action as PodFailurePolicyAction;
    let matched: { exit?: V1ContainerStatus; condition?: string } | undefined;
    if (rule.onExitCodes) {
      const cs = matchOnExitCodes(pod, rule.onExitCodes);
      if (cs) matched = { exit: cs };
    } else if (rule.onPodConditions) {
      const c = (pod.status?.conditions ?? []).find((pc) => rule.onPodConditions!.some((p) => p.type === pc.type && p.status === pc.status));
      if (c) matched = { condition: c.type };
    }
    if (!matched) continue;
    switch (action) {
      case 'Ignore': return { countFailed: false, action };
      case 'Count': return { countFailed: true, action };
      case 'FailIndex':
        if (backoffLimitPerIndex) return { countFailed: true, action };
        break;
      case 'FailJob': {
        const failJobMessage = matched.exit
          ? `Container ${matched.exit.name} for pod ${ns}/${name} failed with exit code ${matched.exit.state!.terminated!.exitCode} matching FailJob rule at index ${index}`
          : `Pod ${ns}/${name} has condition ${matched.condition} matching FailJob rule at index ${index}`;
        return { failJobMessage, countFailed: true, action };
      }
      default:
        break;
    }
  }
  return { countFailed: true };
}

/** How many indexes of `rule` are among the succeeded ones (upstream matchSucceededIndexesRule). */
function matchSucceededIndexesRule(rule: OrderedIntervals, succeeded: OrderedIntervals, succeededCount: number | undefined): boolean {
  let contains = 0, s = 0, r = 0;
  const ri = rule.items, si = succeeded.items;
  while (r < ri.length && s < si.length) {
    const overlap = Math.min(ri[r]!.last, si[s]!.last) - Math.max(ri[r]!.first, si[s]!.first) + 1;
    if (overlap > 0) contains += overlap;
    if (si[s]!.last < ri[r]!.last) s++;
    else if (si[s]!.last > ri[r]!.last) r++;
    else { s++; r++; }
  }
  return contains === rule.total() || (succeededCount !== undefined && contains >= succeededCount);
}

/** Upstream matchSuccessPolicy: the message of the first rule the succeeded indexes meet. */
export function matchSuccessPolicy(policy: V1SuccessPolicy | undefined, completions: number, succeeded: OrderedIntervals): string | undefined {
  if (!policy || succeeded.items.length === 0) return undefined;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = parseIndexes(rule.succeededIndexes, completions);
      if (required.items.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount ?? undefined)) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount !== undefined && rule.succeededCount !== null && succeeded.total() >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}
