/** Names a drill is known by in Temporal. One drill per target: the workflow ID says which target. */
export const drillWorkflowId = (target: string): string => `drill-${target}`;
export const DEFAULT_TASK_QUEUE = 'drillbook';
/** A readiness precheck's ID never blocks a drill's (drill-<target>). */
export const precheckWorkflowId = (target: string): string => `precheck-${target}`;
/** A plan's target: lower-case letters, digits and dashes. */
export const TARGET_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
