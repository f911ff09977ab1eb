/**
 * The domain: phases, segments, sites, steps, the runbook, actions with their argument types, the
 * plan's type, the drill record and the activity contract. Imported by workflows, activities and
 * src alike; imports nothing of the project and nothing with side effects (it is bundled into the
 * deterministic workflow sandbox).
 */
export * from './actions';
export * from './approvals';
export * from './audit';
export * from './components';
export * from './contract';
export * from './drivers';
export * from './ids';
export * from './phases';
export * from './plan';
export * from './platforms';
export * from './readiness';
export * from './record';
export * from './siteLoss';
export * from './sites';
export * from './steps';
export * from './tip';
export * from './tipRecovery';
export * from './schedules';
