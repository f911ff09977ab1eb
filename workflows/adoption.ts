/**
 * A drill adopted by another build: the adopting worker (src/adoption.ts) replayed the drill's
 * history with its own workflow code, pinned the drill to its build, then sends this signal so the
 * record says so. Only histories of adopted drills carry the signal; older code never saw it.
 */
import { defineSignal, patched, setHandler } from '@temporalio/workflow';
import type { Recorder } from './recorder';

export interface AdoptionInput {
  from: string;
  to: string;
  /** How many events of the drill's history replayed cleanly on `to`. */
  events: number;
  /** The adopting worker's identity. */
  by: string;
}

export const adoptedSignal = defineSignal<[AdoptionInput]>('adopted');

export const adoptionSentence = (input: Pick<AdoptionInput, 'from' | 'to' | 'events'>): string =>
  `moved from build ${input.from} to build ${input.to} after a clean replay of ${input.events} events`;

const valid = (input: AdoptionInput): boolean =>
  typeof input?.from === 'string' &&
  typeof input.to === 'string' &&
  typeof input.by === 'string' &&
  Number.isInteger(input.events) &&
  input.events > 0;

export function recordAdoptions(recorder: Recorder): void {
  setHandler(
    adoptedSignal,
    (input) => {
      // Behind a marker as every handler change is; no history before it holds this signal.
      if (!patched('adoption-recorded') || !valid(input)) return;
      const adoptions = (recorder.record.adoptions ??= []);
      const last = adoptions.at(-1);
      // Two workers of the new build may adopt the drill at once: one move, recorded once.
      if (last && last.from === input.from && last.to === input.to) return;
      adoptions.push({
        from: input.from,
        to: input.to,
        events: input.events,
        by: input.by,
        at: new Date().toISOString(),
        summary: adoptionSentence(input),
      });
      recorder.publish();
    },
    {
      description:
        'Sent by a worker that moved this drill to its build after replaying its history cleanly; kept in the record.',
    },
  );
}
