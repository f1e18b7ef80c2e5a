// certificates.k8s.io/v1 CertificateSigningRequest: a PKCS#10 request for a signer, recorded with
// who asked for it. Approval conditions change only through /approval, the certificate only
// through /status, as upstream's three strategies (pkg/registry/certificates/certificates).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isDNS1123Label, isDNS1123Subdomain } from '../../../../machinery/validation.ts';
import { humanDuration } from '../../../endpoints/table.ts';
import { defineResource, type FieldError, type KubeObject, type StrategyContext } from '../../types.ts';
import { age, nameColumn } from '../../common/age.ts';
import { semanticEqual } from '../../common/shapes.ts';
import { validateCertificatePem, validateRequestPem } from './pem.ts';

export interface Condition {
  type?: string; status?: string; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string;
}
export type CSR = KubeObject & {
  spec?: {
    request?: string; signerName?: string; expirationSeconds?: number; usages?: string[];
    username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]>;
  };
  status?: { conditions?: Condition[]; certificate?: string };
};

const LegacyUnknownSignerName = 'kubernetes.io/legacy-unknown';
const allValidUsages = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];
const trueOnlyConditions = ['Approved', 'Denied', 'Failed'];

interface Options {
  allowSettingApprovalConditions: boolean; allowSettingCertificate: boolean; allowBothApprovedAndDenied: boolean;
  allowLegacySignerName: boolean; allowDuplicateConditionTypes: boolean; allowEmptyConditionType: boolean;
  allowArbitraryCertificate: boolean; allowUnknownUsages: boolean; allowDuplicateUsages: boolean;
}

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64');
const conditionsOf = (csr: CSR) => csr.status?.conditions ?? [];
const hasDuplicate = (list: string[]) => new Set(list).size !== list.length;

/** Upstream's ValidateSignerName: `domain/path`, the domain at least two DNS labels, at most 571 characters. */
export function validateSignerName(path: FieldPath, signerName: string): FieldError[] {
  if (signerName === '') return [field.required(path)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [field.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, rest] = segments as [string, string];
  const errs: FieldError[] = [];
  if (byteLength(domain) > 253) errs.push(field.tooLong(path, '', 253));
  const domainLabels = domain.split('.');
  for (const lbl of domainLabels) {
    const msgs = isDNS1123Label(lbl);
    if (msgs.length) {
      for (const m of msgs) errs.push(field.invalid(path, domain, `validating label "${lbl}": ${m}`));
      break;
    }
  }
  if (domainLabels.length < 2) errs.push(field.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const lbl of rest.split('.')) {
    const msgs = isDNS1123Subdomain(lbl);
    if (msgs.length) {
      for (const m of msgs) errs.push(field.invalid(path, rest, `validating label "${lbl}": ${m}`));
      break;
    }
  }
  const maxLength = 253 + (253 + 63 + 1) + 1;
  if (byteLength(signerName) > maxLength) errs.push(field.tooLong(path, '', maxLength));
  return errs;
}

function validateConditions(csr: CSR, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const path = FieldPath.root('status', 'conditions');
  const seen = new Set<string>();
  let approved = false, denied = false;
  conditionsOf(csr).forEach((c, i) => {
    const type = c.type ?? '';
    if (!opts.allowEmptyConditionType && type === '') errs.push(field.required(path.index(i).child('type')));
    const allowed = trueOnlyConditions.includes(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(field.required(path.index(i).child('status')));
    else if (!allowed.includes(c.status)) errs.push(field.notSupported(path.index(i).child('status'), c.status, allowed));
    if (!opts.allowBothApprovedAndDenied) {
      if (type === 'Approved') {
        approved = true;
        if (denied) errs.push(field.invalid(path.index(i).child('type'), type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        denied = true;
        if (approved) errs.push(field.invalid(path.index(i).child('type'), type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!opts.allowDuplicateConditionTypes) {
      if (seen.has(type)) errs.push(field.duplicate(path.index(i).child('type'), type));
      seen.add(type);
    }
  });
  return errs;
}

function validateCSR(csr: CSR, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? {};
  const specPath = FieldPath.root('spec');
  const requestErr = validateRequestPem(b64(spec.request));
  if (requestErr) errs.push(field.invalid(specPath.child('request'), spec.request ?? '', requestErr));
  const usages = spec.usages ?? [];
  if (usages.length === 0) errs.push(field.required(specPath.child('usages')));
  if (!opts.allowUnknownUsages) {
    usages.forEach((u, i) => { if (!allValidUsages.includes(u)) errs.push(field.notSupported(specPath.child('usages').index(i), u, allValidUsages)); });
  }
  if (!opts.allowDuplicateUsages) {
    const seen = new Set<string>();
    usages.forEach((u, i) => { if (seen.has(u)) errs.push(field.duplicate(specPath.child('usages').index(i), u)); seen.add(u); });
  }
  const signer = spec.signerName ?? '';
  if (!opts.allowLegacySignerName && signer === LegacyUnknownSignerName) {
    errs.push(field.invalid(specPath.child('signerName'), signer, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName(specPath.child('signerName'), signer));
  }
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null && spec.expirationSeconds < 600) {
    errs.push(field.invalid(specPath.child('expirationSeconds'), spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, opts));
  if (!opts.allowArbitraryCertificate) {
    const certErr = validateCertificatePem(b64(csr.status?.certificate));
    if (certErr) errs.push(field.invalid(FieldPath.root('status', 'certificate'), '<certificate data>', certErr));
  }
  return errs;
}

/** Upstream's getValidationOptions: what an existing object's own flaws let an update keep. */
function optionsFor(csr: CSR, old: CSR | undefined): Options {
  const oldConds = old ? conditionsOf(old) : [];
  const oldUsages = old?.spec?.usages ?? [];
  const sameCert = !!old && (csr.status?.certificate ?? '') === (old.status?.certificate ?? '');
  return {
    allowSettingApprovalConditions: false,
    allowSettingCertificate: false,
    allowBothApprovedAndDenied: oldConds.some((c) => c.type === 'Approved') && oldConds.some((c) => c.type === 'Denied'),
    allowLegacySignerName: old?.spec?.signerName === LegacyUnknownSignerName,
    allowDuplicateConditionTypes: hasDuplicate(oldConds.map((c) => c.type ?? '')),
    allowEmptyConditionType: oldConds.some((c) => !c.type),
    allowArbitraryCertificate: sameCert || (!!old && validateCertificatePem(b64(old.status?.certificate)) !== undefined),
    allowUnknownUsages: oldUsages.some((u) => !allValidUsages.includes(u)),
    allowDuplicateUsages: hasDuplicate(oldUsages),
  };
}

function validateUpdate(csr: CSR, old: CSR, opts: Options): FieldError[] {
  const errs = validateCSR(csr, opts);
  const path = FieldPath.root('status', 'conditions');
  const ofType = (o: CSR, t: string) => conditionsOf(o).filter((c) => c.type === t);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (ofType(csr, t).length < ofType(old, t).length) errs.push(field.forbidden(path, `updates may not remove a condition of type "${t}"`));
  }
  if (!opts.allowSettingApprovalConditions) {
    for (const t of ['Approved', 'Denied']) {
      const o = ofType(old, t), n = ofType(csr, t);
      if (n.length > o.length) errs.push(field.forbidden(path, `updates may not add a condition of type "${t}"`));
      else if (n.length === o.length && !semanticEqual(o, n)) errs.push(field.forbidden(path, `updates may not modify a condition of type "${t}"`));
    }
  }
  if ((csr.status?.certificate ?? '') !== (old.status?.certificate ?? '')) {
    if (!opts.allowSettingCertificate) errs.push(field.forbidden(FieldPath.root('status', 'certificate'), 'updates may not set certificate content'));
    else if (old.status?.certificate) errs.push(field.forbidden(FieldPath.root('status', 'certificate'), 'updates may not modify existing certificate content'));
  }
  return errs;
}

/** SetDefaults_CertificateSigningRequestCondition: a condition without a status is True. */
function defaultConditions(csr: CSR): void {
  for (const c of csr.status?.conditions ?? []) if (!c.status) c.status = 'True';
}

/** Upstream's populateConditionTimestamps: missing times become now, or the old transition time. */
function stampConditions(csr: CSR, old: CSR, now: Date): void {
  const ts = rfc3339(now);
  for (const c of csr.status?.conditions ?? []) {
    c.lastUpdateTime ||= ts;
    if (!c.lastTransitionTime) {
      const prev = conditionsOf(old).find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = prev?.lastTransitionTime ?? ts;
    }
  }
}

/** The status strategy keeps the stored Approved/Denied conditions when their count is unchanged. */
function preserveConditions(csr: CSR, old: CSR, type: string): void {
  const oldIdx = conditionsOf(old).flatMap((c, i) => (c.type === type ? [i] : []));
  const newIdx = conditionsOf(csr).flatMap((c, i) => (c.type === type ? [i] : []));
  if (oldIdx.length !== newIdx.length) return;
  oldIdx.forEach((oi, k) => { csr.status!.conditions![newIdx[k]!] = structuredClone(old.status!.conditions![oi]!); });
}

function extractStatus(csr: CSR): string {
  const types = new Set(conditionsOf(csr).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

const nowOf = (ctx?: StrategyContext) => ctx?.now ?? new Date();
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const certificatesigningrequests = defineResource<CSR>({
  group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests',
  singular: 'certificatesigningrequest', namespaced: false, shortNames: ['csr'], model: 'V1CertificateSigningRequest',
  fieldSelectors: { 'spec.signerName': (csr) => csr.spec?.signerName ?? '' },
  strategy: {
    // "We don't care what you call your certificate requests."
    nameValidator: () => [],
    prepareForCreate(csr, ctx) {
      const spec = (csr.spec ??= {});
      delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
      // The requestor is whoever created the object, never what the body claims.
      if (ctx.user) {
        spec.username = ctx.user.name;
        if (ctx.user.uid) spec.uid = ctx.user.uid;
        if (ctx.user.groups?.length) spec.groups = [...ctx.user.groups];
        if (ctx.user.extra && Object.keys(ctx.user.extra).length) spec.extra = structuredClone(ctx.user.extra);
      }
      // Nobody creates a pre-approved request.
      csr.status = {};
    },
    prepareForUpdate(csr, old) {
      csr.spec = structuredClone(old.spec ?? {});
    },
    validate: (csr, ctx) => (ctx.operation === 'UPDATE' ? [] : validateCSR(csr, optionsFor(csr, undefined))),
    validateUpdate: (csr, old) => validateUpdate(csr, old, optionsFor(csr, old)),
  },
  status: {
    prepareForUpdate(csr, old, ctx) {
      csr.spec = structuredClone(old.spec ?? {});
      defaultConditions(csr);
      if (csr.status?.conditions) {
        preserveConditions(csr, old, 'Approved');
        preserveConditions(csr, old, 'Denied');
      }
      stampConditions(csr, old, nowOf(ctx));
    },
    validateUpdate: (csr, old) => validateUpdate(csr, old, { ...optionsFor(csr, old), allowSettingCertificate: true }),
  },
  extraSubresources: [{
    name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'],
    // Only the conditions change here (upstream's csrApprovalStrategy).
    update(csr, old, ctx) {
      const next: CSR = { ...structuredClone(old), metadata: csr.metadata };
      const conditions = structuredClone(csr.status?.conditions);
      next.status = { ...next.status };
      if (conditions === undefined) delete next.status.conditions; else next.status.conditions = conditions;
      defaultConditions(next);
      stampConditions(next, old, nowOf(ctx));
      return next;
    },
    validateUpdate: (csr, old) => validateUpdate(csr, old, { ...optionsFor(csr, old), allowSettingApprovalConditions: true }),
  }],
  table: {
    columns: [
      nameColumn,
      { name: 'Age', type: 'string', description: 'Time since the request was created.' },
      { name: 'SignerName', type: 'string', description: 'The signer the request is for.' },
      { name: 'Requestor', type: 'string', description: 'The user who created the request.' },
      { name: 'RequestedDuration', type: 'string', description: 'The validity the requestor asked for.' },
      { name: 'Condition', type: 'string', description: 'Approved, Denied or Pending, and whether it failed or was issued.' },
    ],
    row: (csr, now) => [
      csr.metadata?.name ?? '', age(csr, now), csr.spec?.signerName || '<none>', csr.spec?.username ?? '',
      csr.spec?.expirationSeconds !== undefined && csr.spec.expirationSeconds !== null ? humanDuration(csr.spec.expirationSeconds * 1000) : '<none>',
      extractStatus(csr),
    ],
  },
});
