/**
 * Every recorded history (every release's corpus, test/histories/<version>/, and the older ones at
 * its top level) replays under today's workflow code without a determinism error: a change that
 * would break a running drill fails here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, RELEASE, recordedHistories, runsOfRelease } from './support/histories';

const files = recordedHistories();

interface RecordedHistory {
  events: {
    workflowExecutionStartedEventAttributes?: {
      workflowType?: { name?: string };
      input?: { payloads?: { data?: string }[] };
    };
  }[];
}

/**
 * The workflow ID a history ran under: a drill's is drill-<target> (the workflow checks it), read
 * from the recorded start input; other workflows' IDs do not matter to their code.
 */
function workflowIdOf(history: RecordedHistory, fallback: string): string {
  const started = history.events[0]?.workflowExecutionStartedEventAttributes;
  const data = started?.input?.payloads?.[0]?.data;
  if (started?.workflowType?.name !== 'drillWorkflow' || !data) return fallback;
  const input = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { target: string };
  return `drill-${input.target}`;
}

describe('replaying recorded drill histories', () => {
  it(`holds this release's (${RELEASE}) runs`, () => {
    const missing = runsOfRelease(RELEASE).filter(
      (run) => !existsSync(path.join(HISTORIES_DIR, RELEASE, `${run}.json`)),
    );
    expect(missing).toEqual([]);
  });

  it.each(files.map((file) => [path.relative(HISTORIES_DIR, file), file]))('%s replays', async (name, file) => {
    const history = JSON.parse(readFileSync(file, 'utf8')) as RecordedHistory;
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: process.env.DRILLBOOK_WORKFLOW_BUNDLE as string } },
      history,
      workflowIdOf(history, name),
    );
  });
});
