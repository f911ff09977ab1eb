/**
 * The demo's last word on retries: in a run without faults it says every step passed on its first
 * attempt; a step Temporal retried, or an operator ran again, is named with its attempts, so a check
 * that only passes on its second try cannot hide in a demo that "passed".
 */
import { attemptsLine } from '../../lab/demo/attempts';
import type { DrillRecord, StepRecord } from '../../domain';

const step = (id: string, over: Partial<StepRecord> = {}): StepRecord => ({
  id,
  phase: 'failover-check',
  title: id,
  action: 'checkHttp',
  destructive: false,
  status: 'succeeded',
  attempts: 1,
  runs: 1,
  ...over,
});
const record = (steps: StepRecord[]) => ({ steps }) as unknown as DrillRecord;

describe('the demo attempts line', () => {
  it('says every automated step passed on its first attempt, and which waited longest', () => {
    const line = attemptsLine(
      record([step('a'), step('b', { facts: { waitedMs: 2100 } }), step('gate', { action: 'manualTask' })]),
    );
    expect(line).toBe(
      'attempts: all 2 automated steps passed on their first attempt; 1 waited on another system (longest 2.1 s: b)',
    );
  });

  it('names the steps that needed more, counting an operator retry run', () => {
    const line = attemptsLine(
      record([
        step('jobs', { attempts: 3 }),
        step('db', {
          attempts: 1,
          runs: 2,
          previousRuns: [{ startedAt: '2026-11-25T00:00:00Z', status: 'failed', attempts: 2 }],
        }),
        step('fine'),
      ]),
    );
    expect(line).toBe(
      'attempts: 2 of 3 automated steps needed more than one: jobs (3 attempts), db (3 attempts, 2 runs)',
    );
  });
});
