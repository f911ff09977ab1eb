/** Small formatting rules every report format shares: times in UTC, durations, truncation. */
import { formatDuration } from '../../kinds/kit/schema/duration';

export const ms = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);

/** "2026-04-07 10:00:03 UTC": the full moment, for headers and anything an auditor may cite. */
export const stamp = (iso: string | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '—');

/** A time of day in tables; with the date when the drill spans more than one day. */
export const clock = (iso: string | undefined, withDate = false): string =>
  iso ? (withDate ? stamp(iso) : iso.slice(11, 19)) : '—';

export const spanOf = (from?: string, to?: string): number | undefined => {
  const a = ms(from);
  const b = ms(to);
  return a === undefined || b === undefined ? undefined : Math.max(0, b - a);
};

export const took = (value: number | undefined): string => (value === undefined ? '—' : formatDuration(value));

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Facts as JSON a person can read, cut to a size a report page holds. */
export function factsText(facts: Record<string, unknown> | undefined, max = 2000): string | undefined {
  if (!facts || Object.keys(facts).length === 0) return undefined;
  return truncate(JSON.stringify(facts, null, 2), max);
}
