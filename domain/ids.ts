/** Names a drill is known by in Temporal. One drill per target: the workflow ID says which target. */
export const drillWorkflowId = (target: string): string => `drill-${target}`;
export const DEFAULT_TASK_QUEUE = 'drillbook';
/**
 * A drill's workflow task timeout. A worker killed while it held one of the drill's workflow tasks
 * keeps the drill (and its status query, which waits for that task) until this runs out; Temporal's
 * 10 s default made a takeover take 10 s whenever the kill landed on one. A drill's workflow task
 * takes milliseconds, and a new worker's replay of a long drill well under a second.
 */
export const DRILL_WORKFLOW_TASK_TIMEOUT = '5s';
/** A readiness precheck's ID never blocks a drill's (drill-<target>). */
export const precheckWorkflowId = (target: string): string => `precheck-${target}`;
/** A plan's target: lower-case letters, digits and dashes. */
export const TARGET_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
