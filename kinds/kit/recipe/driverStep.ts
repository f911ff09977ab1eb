/** Turns a plan's driver (command, http, ssm or manual) into a step draft. */
import type { StepDraft, StepDraftCommon } from './recipe';
import type { Driver } from '../../../domain';

/** A check that waits (`within`) needs room for the wait plus one last try. */
export const withWait = (
  timeoutMs: number | undefined,
  withinMs: number | undefined,
  oneTryMs: number,
): number | undefined => (withinMs === undefined ? timeoutMs : (timeoutMs ?? oneTryMs) + withinMs + 10_000);

/** Room beside an SSM command's own timeout: the group listed, the command sent, the last answers read. */
export const SSM_MARGIN_MS = 30_000;

/** `extra` overrides only what it sets: an undefined there never erases the driver's own timeout. */
export function driverStep(
  key: string,
  title: string,
  driver: Driver,
  extra: Partial<StepDraftCommon> = {},
): StepDraft {
  const set = Object.fromEntries(
    Object.entries(extra).filter(([, value]) => value !== undefined),
  ) as Partial<StepDraftCommon>;
  if (driver.command) {
    return {
      key,
      title,
      action: 'runCommand',
      args: { command: driver.command },
      timeoutMs: withWait(driver.command.timeout, driver.command.within, 60_000),
      ...set,
    };
  }
  if (driver.http) {
    return {
      key,
      title,
      action: 'checkHttp',
      args: { http: driver.http, expect: 'up' },
      timeoutMs: withWait(driver.http.timeout, driver.http.within, 10_000),
      ...set,
    };
  }
  if (driver.ssm) {
    return {
      key,
      title,
      action: 'runSsmCommand',
      args: { ssm: driver.ssm },
      // Listing the nodes and sending the command come before the nodes' own bound.
      timeoutMs: driver.ssm.timeout === undefined ? undefined : driver.ssm.timeout + SSM_MARGIN_MS,
      ...set,
    };
  }
  return { key, title, action: 'manualTask', args: { instructions: driver.manual ?? title }, ...set };
}
