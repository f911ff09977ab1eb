/** Recorded histories of finished drills replay under today's workflow code without determinism errors. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from './support/histories';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('replaying recorded drill histories', () => {
  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s replays', async (file) => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.DRILLBOOK_WORKFLOW_BUNDLE as string } }, history, file);
  });
});
