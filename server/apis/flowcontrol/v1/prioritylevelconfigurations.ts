// flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration: a share of the server's
// concurrency and how excess requests queue. The mandatory exempt and catch-all levels keep their
// fixed spec (the exempt level may only tune spec.exempt).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { goStruct, semanticEqual } from '../../common/shapes.ts';
import { mandatorySpec } from './bootstrap.ts';
import { validateConditionsStatus } from './flowschemas.ts';

interface Queuing { queues?: number; handSize?: number; queueLengthLimit?: number }
interface Limited { nominalConcurrencyShares?: number; lendablePercent?: number; borrowingLimitPercent?: number; limitResponse?: { type?: string; queuing?: Queuing } }
interface Exempt { nominalConcurrencyShares?: number; lendablePercent?: number }
type PLC = KubeObject & { spec?: { type?: string; limited?: Limited; exempt?: Exempt }; status?: { conditions?: Array<{ type?: string }> } };

const maxQueues = 10 * 1000 * 1000;
const maxHashBits = 60;
const types = ['Exempt', 'Limited'];
const limitResponseTypes = ['Queue', 'Reject'];

function validateQueuing(q: Queuing, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const queues = q.queues ?? 0, handSize = q.handSize ?? 0, limit = q.queueLengthLimit ?? 0;
  if (limit <= 0) errs.push(field.invalid(path.child('queueLengthLimit'), limit, 'must be positive'));
  if (queues <= 0) errs.push(field.invalid(path.child('queues'), queues, 'must be positive'));
  else if (queues > maxQueues) errs.push(field.invalid(path.child('queues'), queues, `must not be greater than ${maxQueues}`));
  if (handSize <= 0) errs.push(field.invalid(path.child('handSize'), handSize, 'must be positive'));
  else if (handSize > queues) errs.push(field.invalid(path.child('handSize'), handSize, `should not be greater than queues (${queues})`));
  else if (Math.ceil(Math.log2(queues) * handSize) > maxHashBits) {
    errs.push(field.invalid(path.child('handSize'), handSize, `required entropy bits of deckSize ${queues} and handSize ${handSize} should not be greater than ${maxHashBits}`));
  }
  return errs;
}

function validateLimited(l: Limited, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  // v1 allows zero shares (upstream's AllowZeroLimitedNominalConcurrencyShares for this version).
  const shares = l.nominalConcurrencyShares ?? 0;
  if (shares < 0) errs.push(field.invalid(path.child('nominalConcurrencyShares'), shares, 'must be a non-negative integer'));
  const lr = l.limitResponse ?? {};
  const lrPath = path.child('limitResponse');
  switch (lr.type) {
    case 'Reject':
      if (lr.queuing) errs.push(field.forbidden(lrPath.child('queuing'), 'must be nil if limited.limitResponse.type is not Limited'));
      break;
    case 'Queue':
      if (!lr.queuing) errs.push(field.required(lrPath.child('queuing'), 'must not be empty if limited.limitResponse.type is Limited'));
      else errs.push(...validateQueuing(lr.queuing, lrPath.child('queuing')));
      break;
    default:
      errs.push(field.notSupported(lrPath.child('type'), lr.type ?? '', limitResponseTypes));
  }
  if (l.lendablePercent !== undefined && l.lendablePercent !== null && !(l.lendablePercent >= 0 && l.lendablePercent <= 100)) {
    errs.push(field.invalid(path.child('lendablePercent'), l.lendablePercent, 'must be between 0 and 100, inclusive'));
  }
  if (l.borrowingLimitPercent !== undefined && l.borrowingLimitPercent !== null && l.borrowingLimitPercent < 0) {
    errs.push(field.invalid(path.child('borrowingLimitPercent'), l.borrowingLimitPercent, 'if specified, must be a non-negative integer'));
  }
  return errs;
}

function validateExempt(e: Exempt, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (e.nominalConcurrencyShares !== undefined && e.nominalConcurrencyShares !== null && e.nominalConcurrencyShares < 0) {
    errs.push(field.invalid(path.child('nominalConcurrencyShares'), e.nominalConcurrencyShares, 'must be a non-negative integer'));
  }
  if (e.lendablePercent !== undefined && e.lendablePercent !== null && !(e.lendablePercent >= 0 && e.lendablePercent <= 100)) {
    errs.push(field.invalid(path.child('lendablePercent'), e.lendablePercent, 'must be between 0 and 100, inclusive'));
  }
  return errs;
}

export function validatePriorityLevelSpec(spec: NonNullable<PLC['spec']>, name: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if ((name === 'exempt') !== (spec.type === 'Exempt')) errs.push(field.invalid(path.child('type'), spec.type ?? '', "type must be 'Exempt' if and only if name is 'exempt'"));
  switch (spec.type) {
    case 'Exempt':
      if (spec.limited) errs.push(field.forbidden(path.child('limited'), 'must be nil if the type is not Limited'));
      if (spec.exempt) errs.push(...validateExempt(spec.exempt, path.child('exempt')));
      break;
    case 'Limited':
      if (spec.exempt) errs.push(field.forbidden(path.child('exempt'), 'must be nil if the type is Limited'));
      if (!spec.limited) errs.push(field.required(path.child('limited'), 'must not be empty when type is Limited'));
      else errs.push(...validateLimited(spec.limited, path.child('limited')));
      break;
    default:
      errs.push(field.notSupported(path.child('type'), spec.type ?? '', types));
  }
  return errs;
}

function validatePLC(pl: PLC): FieldError[] {
  const name = pl.metadata?.name ?? '';
  const spec = pl.spec ?? {};
  const errs = validatePriorityLevelSpec(spec, name, FieldPath.root('spec'));
  const fixed = mandatorySpec('PriorityLevelConfiguration', name);
  if (fixed) {
    if (name === 'exempt') {
      const { exempt: _e, ...rest } = spec;
      const { exempt: _f, ...fixedRest } = fixed;
      if (!semanticEqual(rest, fixedRest)) errs.push(field.invalid(FieldPath.root('spec'), goStruct(spec), "spec of 'exempt' except the 'spec.exempt' field must equal the fixed value"));
    } else if (!semanticEqual(spec, fixed)) {
      errs.push(field.invalid(FieldPath.root('spec'), goStruct(spec), `spec of '${name}' must equal the fixed value`));
    }
  }
  errs.push(...validateConditionsStatus(pl.status?.conditions, FieldPath.root('status')));
  return errs;
}

export const prioritylevelconfigurations = defineResource<PLC>({
  group: 'flowcontrol.apiserver.k8s.io', version: 'v1', kind: 'PriorityLevelConfiguration', plural: 'prioritylevelconfigurations',
  singular: 'prioritylevelconfiguration', namespaced: false, model: 'V1PriorityLevelConfiguration', hasGeneration: true,
  strategy: {
    // flowcontrol/v1 defaults: 30 shares when unset (0 stays 0), 0% lendable, and 64 queues of 50 with hands of 8.
    defaults(pl) {
      const l = pl.spec?.limited;
      if (l) {
        l.nominalConcurrencyShares ??= 30;
        l.lendablePercent ??= 0;
        const q = l.limitResponse?.queuing;
        if (q) {
          if (!q.handSize) q.handSize = 8;
          if (!q.queues) q.queues = 64;
          if (!q.queueLengthLimit) q.queueLengthLimit = 50;
        }
      }
      const e = pl.spec?.exempt;
      if (e) {
        e.nominalConcurrencyShares ??= 0;
        e.lendablePercent ??= 0;
      }
    },
    prepareForCreate(pl) {
      pl.status = {};
    },
    validate: (pl) => validatePLC(pl),
  },
  status: {
    validateUpdate: (pl) => validateConditionsStatus(pl.status?.conditions, FieldPath.root('status')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Type', type: 'string', description: 'Exempt or Limited.' },
      { name: 'NominalConcurrencyShares', type: 'string', description: 'The share of the server concurrency limit the level gets.' },
      { name: 'Queues', type: 'string', description: 'The number of queues.' },
      { name: 'HandSize', type: 'string', description: 'How many queues a flow is shuffled over.' },
      { name: 'QueueLengthLimit', type: 'string', description: 'The most requests a queue holds.' },
      ageColumn,
    ],
    row(pl, now) {
      const l = pl.spec?.limited;
      const q = l?.limitResponse?.queuing;
      return [
        pl.metadata?.name ?? '', pl.spec?.type ?? '', l ? l.nominalConcurrencyShares ?? 0 : '<none>',
        q ? q.queues ?? 0 : '<none>', q ? q.handSize ?? 0 : '<none>', q ? q.queueLengthLimit ?? 0 : '<none>', age(pl, now),
      ];
    },
  },
});
