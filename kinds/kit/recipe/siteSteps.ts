/** Pieces the data-tier recipes (mysql, postgres, opensearch) share. Pure. */
import { driverStep } from './driverStep';
import type { OperationContext, StepDraft } from './recipe';
import {
  SWITCH_PHASES as SWITCH_PHASE_IDS,
  type Driver,
  type PhaseId,
  type SiteRole,
  type SwitchArgs,
} from '../../../domain';

/** Phases that move the writer from one site to the other (the domain's list, as a set). */
export const SWITCH_PHASES: ReadonlySet<PhaseId> = new Set<PhaseId>(SWITCH_PHASE_IDS);

export const siteName = (context: OperationContext, site: SiteRole): string => context.plan.sites[site].name;

export function switchArgs(context: OperationContext): SwitchArgs {
  return {
    siteNames: { primary: siteName(context, 'primary'), secondary: siteName(context, 'secondary') },
    from: context.from,
    to: context.to,
    planned: context.planned,
    rpoMs: context.plan.objectives.rpo,
    // Guard (switch phase) and verify (its check phase) share the direction, so they find the same canary.
    canary: `${context.from}-to-${context.to}`,
    component: context.name,
  };
}

/** The host and port of each site of a database pair, as the activities need them. */
export function hostPorts(
  component: Record<SiteRole, { host: string; port: number }>,
): Record<SiteRole, { host: string; port: number }> {
  return {
    primary: { host: component.primary.host, port: component.primary.port },
    secondary: { host: component.secondary.host, port: component.secondary.port },
  };
}

/** A process driver (stop/start/reboot) of one site as a step, if the plan has one. */
export function processStep(
  key: string,
  title: string,
  driver: Driver | undefined,
  site: SiteRole,
  destructive = true,
): StepDraft[] {
  return driver ? [{ ...driverStep(key, title, driver, { destructive }), site }] : [];
}

/** The site that serves in this phase: the new side in a switch's check phase, else the side the phase starts from. */
export function servingSite(context: OperationContext): SiteRole {
  return context.phase === 'failover-check' || context.phase === 'failback-check' ? context.to : context.from;
}

/** A step that waits `waitMs` needs room for the wait and the calls around it. */
export const waitingTimeout = (waitMs: number): number => waitMs + 60_000;
