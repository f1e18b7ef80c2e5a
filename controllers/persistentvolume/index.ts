// Persistent volumes as upstream's kube-controller-manager handles them: the binder
// (persistent-volume-binder) and the matching rules it and the external provisioners share.
export {
  persistentVolumeBinderController, storageClasses, PERSISTENT_VOLUME_BINDER, PERSISTENT_VOLUME_EVENT_SOURCE, BINDER_RESYNC_MS, BY_CLAIM, BY_CLAIM_REF,
} from './binder.ts';
export * from './matching.ts';
