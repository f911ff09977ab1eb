/**
 * A managed failover as AWS runs it (an RDS promotion, reboot or global switchover; an ElastiCache
 * failover): nothing to do when the target already serves; only waited for when an earlier
 * attempt's change is still under way; otherwise asked, then first seen to change (AWS waiters poll
 * at once, so "available" right after the request proves nothing: FIELD-NOTES 12), then waited for
 * until the target serves and is available. Both waits share the plan's waitTimeout.
 */
import { failRetryable } from '../activities/failures';
import { pollFor } from '../activities/polling';
import type { Observation } from '../activities/types';
import type { SiteRole } from '../../../domain';

/** Where a managed service serves, as its control plane says. */
export interface ServingState {
  /** The site that serves, as far as the service shows it; undefined when it matches neither. */
  site?: SiteRole;
  available: boolean;
  said: string;
  facts: Record<string, unknown>;
}

/** How a service's sentences say "serves there": RDS writes on a site, ElastiCache is primary on it. */
export interface ServingWords {
  serves: string;
  servesNot: string;
  alreadyServes: string;
  toServe: string;
}

export interface ManagedSwitch<S extends ServingState> {
  /** The service as sentences name it: `RDS`, `ElastiCache`. */
  service: string;
  /** Prefix of the failure types: `<prefix>SwitchNotObserved`, `<prefix>SwitchIncomplete`. */
  errorPrefix: string;
  /** What the change is called: `switch`, `failover`. */
  change: string;
  words: ServingWords;
  target: SiteRole;
  /** The target as sentences name it (site and resource). */
  targetLabel: string;
  /** The target site's name, for the wait's heartbeat. */
  targetName: string;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  read(): Promise<S>;
  /** Asks for the change; says what was asked. */
  ask(): Promise<string>;
}

export async function runManagedSwitch<S extends ServingState>(sw: ManagedSwitch<S>): Promise<Observation> {
  const { service, words, target, targetLabel } = sw;
  const before = await sw.read();
  if (before.site === target && before.available)
    return {
      summary: `${service} ${words.alreadyServes} ${targetLabel}: ${before.said}; nothing to do`,
      facts: { before: before.facts, changed: false },
    };
  // A change of an earlier attempt may still be going on: then only wait for it.
  const inFlight = !before.available;
  const asked = inFlight ? `waited for the change already under way (${before.said})` : await sw.ask();
  const started = Date.now();
  const watch = (what: string, timeoutMs: number, done: (state: S) => boolean) =>
    pollFor(what, timeoutMs, () => sw.read(), done, sw.pollIntervalMs);
  const seconds = Math.round(sw.waitTimeoutMs / 1000);
  const changed = inFlight
    ? { reached: true, last: before }
    : await watch(
        `${service} to start the ${sw.change}`,
        sw.waitTimeoutMs,
        (state) => !state.available || state.site === target,
      );
  if (!changed.reached)
    failRetryable(
      `${service} accepted the request (${asked}) but showed no change within ${seconds}s (still ${changed.last.said}): the ${sw.change} to ${targetLabel} cannot be confirmed`,
      `${sw.errorPrefix}SwitchNotObserved`,
      { before: before.facts, after: changed.last.facts },
    );
  const done = await watch(
    `${service} to ${words.toServe} ${sw.targetName}`,
    Math.max(sw.waitTimeoutMs - (Date.now() - started), sw.pollIntervalMs),
    (state) => state.available && state.site === target,
  );
  const facts = { before: before.facts, after: done.last.facts, changed: true, asked, tookMs: Date.now() - started };
  if (!done.reached)
    failRetryable(
      `after ${asked}, ${service} ${words.servesNot} ${targetLabel} within ${seconds}s: ${done.last.said}`,
      `${sw.errorPrefix}SwitchIncomplete`,
      facts,
    );
  return {
    summary: `${service} ${words.serves} ${targetLabel} after ${((Date.now() - started) / 1000).toFixed(1)}s (${asked}): before ${before.said}; now ${done.last.said}`,
    facts,
  };
}
