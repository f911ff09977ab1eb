/** A recovery-state check's call: the TIP call every profile check has, and what it compares. */
import { tipCall, type TipCall } from '../context';
import type { TipRecoveryArgs } from '../../../domain';

export type RecoveryCall = TipCall & { recovery: TipRecoveryArgs };

export function recoveryCall(args: TipRecoveryArgs, stepId: string, workdir: string): RecoveryCall {
  // The profile's request helpers read only the sites, names and timeouts of a check's arguments.
  const { recovery: _recovery, rtoMs: _rto, rabbitmq: _rabbitmq, check: _check, ...common } = args;
  return { ...tipCall({ ...common, check: 'health' }, stepId, workdir), recovery: args };
}
