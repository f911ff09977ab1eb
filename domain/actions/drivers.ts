/** Step arguments of the plan's own drivers: a command, an HTTP check, a task for a person. */
import type { CommandDriver, HttpDriver } from '../drivers';

export const DRIVER_ACTIONS = ['runCommand', 'checkHttp', 'manualTask'] as const;

export type CommandArgs = { command: CommandDriver };
/** `down`: after a switch the old side must no longer answer. */
export type HttpArgs = { http: HttpDriver; expect: 'up' | 'down' };
export type ManualArgs = { instructions: string };
