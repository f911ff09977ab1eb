/**
 * Every action a step can name, with the type of its arguments. `manualTask` is the one action the
 * workflow handles itself (it waits for a person); all others are activities of the same name.
 * Each component kind registers its own actions from its folder (kinds/<kind>/actions.ts merges
 * into ComponentActionArgs); kinds/index.ts lists them all at run time.
 */
import { DRIVER_ACTIONS, type CommandArgs, type HttpArgs, type ManualArgs, type SsmArgs } from './drivers';
import { TIP_ACTIONS, type TipAction, type TipArgs } from './tip';
import {
  TIP_PROTECTION_ACTIONS,
  TIP_RECOVERY_ACTIONS,
  type TipProtectionAction,
  type TipProtectionArgs,
  type TipRecoveryAction,
  type TipRecoveryArgs,
} from './tipRecovery';

export * from './drivers';
export * from './switch';
export * from './tip';
export * from './tipRecovery';

/**
 * A component's check may wait for what it checks: asked again (every second, heartbeating) until it
 * passes, for at most `within` ms (kinds/kit/activities/within.ts). The compiler sets it on health checks right
 * after a start; a command or HTTP check carries its own `within` in its driver, a TIP check in its
 * thresholds.
 */
export interface WaitingCheck {
  within?: number;
}

/**
 * The arguments of the actions that may wait (WaitingCheck): the TIP profile's, and every component
 * kind's, merged in from kinds/<kind>/actions.ts.
 */
export interface ComponentActionArgs
  extends
    Record<TipAction, TipArgs>,
    Record<TipRecoveryAction, TipRecoveryArgs>,
    Record<TipProtectionAction, TipProtectionArgs> {}

export type ActionArgs = {
  runCommand: CommandArgs;
  checkHttp: HttpArgs;
  runSsmCommand: SsmArgs;
  manualTask: ManualArgs;
} & {
  [A in keyof ComponentActionArgs]: ComponentActionArgs[A] & WaitingCheck;
};

export type StepAction = keyof ActionArgs;
export type ActivityStepAction = Exclude<StepAction, 'manualTask'>;

/** The actions the domain itself defines; kinds/index.ts adds every kind's to make STEP_ACTIONS. */
export const DOMAIN_ACTIONS = [
  ...DRIVER_ACTIONS,
  ...TIP_ACTIONS,
  ...TIP_RECOVERY_ACTIONS,
  ...TIP_PROTECTION_ACTIONS,
] as const;
