// core/v1 PodTemplate: a named pod template; its generation counts template changes.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import { nameColumn } from '../../common/age.ts';
import { containerCells, defaultPodTemplateSpec, formatLabels, validatePodTemplateSpec, type PodTemplateSpec } from '../../common/podtemplate.ts';

export type PodTemplate = KubeObject & { template?: PodTemplateSpec };

export const podtemplates = defineResource<PodTemplate>({
  group: '', version: 'v1', kind: 'PodTemplate', plural: 'podtemplates', singular: 'podtemplate',
  namespaced: true, model: 'V1PodTemplate', hasGeneration: true, returnDeletedObject: true,
  strategy: {
    defaults: (pt) => defaultPodTemplateSpec((pt.template ??= {})),
    validate: (pt) => validatePodTemplateSpec(pt.template, FieldPath.root('template')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Containers', type: 'string', description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.' },
      { name: 'Pod Labels', type: 'string', description: 'The labels for the pod template.' },
    ],
    row(pt) {
      const [names, images] = containerCells(pt.template?.spec?.containers);
      return [pt.metadata?.name ?? '', names, images, formatLabels(pt.template?.metadata?.labels)];
    },
  },
});
