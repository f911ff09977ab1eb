/** Step arguments of the plan's own drivers: a command, an HTTP check, commands on every node, a task for a person. */
import type { CommandDriver, HttpDriver, SsmDriver } from '../drivers';

export const DRIVER_ACTIONS = ['runCommand', 'checkHttp', 'runSsmCommand', 'manualTask'] as const;

export type CommandArgs = { command: CommandDriver };
export type SsmArgs = { ssm: SsmDriver };
/** `down`: after a switch the old side must no longer answer. */
export type HttpArgs = { http: HttpDriver; expect: 'up' | 'down' };
export type ManualArgs = { instructions: string };
