// The controller framework every Capstan component builds on (see DESIGN.md, client/).
export * from './kubeconfig.ts';
export * from './rest.ts';
export * from './codec.ts';
export * from './discovery.ts';
export * from './informer.ts';
export * from './workqueue.ts';
export * from './backoff.ts';
export * from './controller.ts';
export * from './events.ts';
export * from './leaderelection.ts';
export * as resources from './resources.ts';
