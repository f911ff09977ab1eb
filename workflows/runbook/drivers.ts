/** Turns a plan's driver (command, http or manual) into a step draft. */
import type { StepDraft, StepDraftCommon } from './recipe';
import type { Driver } from '../../domain';

export function driverStep(key: string, title: string, driver: Driver, extra: Partial<StepDraftCommon> = {}): StepDraft {
  if (driver.command) {
    return { key, title, action: 'runCommand', args: { command: driver.command }, timeoutMs: driver.command.timeout, ...extra };
  }
  if (driver.http) {
    return { key, title, action: 'checkHttp', args: { http: driver.http, expect: 'up' }, timeoutMs: driver.http.timeout, ...extra };
  }
  return { key, title, action: 'manualTask', args: { instructions: driver.manual ?? title }, ...extra };
}
