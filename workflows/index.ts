/** Everything the worker registers as workflows. */
export { drillWorkflow } from './drill';
export { scheduledDrillWorkflow } from './scheduled';
export { precheckWorkflow } from './precheck';
