/**
 * The MISP demo's lab (scripts/lab/misp.sh): installs what it needs (HAProxy, rsync and MariaDB
 * through install-lab-deps.sh), brings it up, and makes sure the drill starts from the primary
 * serving through HAProxy with the secondary standing by. Its own evidence: between failover and
 * failback, the frontend is answered by the secondary's node while the primary's does not answer.
 * No fallback: without the lab there is nothing to drill, and the demo says so and fails.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../store/config';
import type { DemoLab } from './lab';
import { LabUnavailable } from './openctiLab';

const MISP_SH = 'scripts/lab/misp.sh';
const FRONTEND = 'http://127.0.0.1:25080/health';
const NODES = { primary: 'http://127.0.0.1:25081/health', secondary: 'http://127.0.0.1:25082/health' };

const run = (program: string, args: string[]) =>
  spawnSync(program, args, { cwd: PROJECT_ROOT, stdio: 'inherit' }).status === 0;

/** The site named by the node that answered, or undefined when nothing answered with a site. */
async function answeredBy(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { site?: unknown };
    return typeof body.site === 'string' ? body.site : undefined;
  } catch {
    return undefined;
  }
}

/** The primary serves through the frontend and the secondary's node is down: where a drill begins. */
async function atStart(): Promise<boolean> {
  // HAProxy marks a node UP after two checks 500 ms apart; give a fresh lab a few seconds.
  for (let i = 0; i < 20; i++) {
    if ((await answeredBy(FRONTEND)) === 'primary' && (await answeredBy(NODES.secondary)) === undefined) return true;
    await sleep(500);
  }
  return false;
}

/** Between failover and failback: every answer through HAProxy comes from the secondary, and the primary's node is down. */
export async function mispProbe(): Promise<{ secondaryUp: boolean; primaryDown: boolean }> {
  const through = await Promise.all([1, 2, 3, 4].map(() => answeredBy(FRONTEND)));
  return {
    secondaryUp: through.every((site) => site === 'secondary'),
    primaryDown: (await answeredBy(NODES.primary)) === undefined,
  };
}

export async function prepareMispLab(): Promise<DemoLab & { startMs: number }> {
  if (!run('bash', ['scripts/install-lab-deps.sh']))
    throw new LabUnavailable(
      "the MISP lab's servers could not be installed (see above; it needs root on Debian): run sudo bash scripts/install-lab-deps.sh",
    );
  console.log(
    'bringing the MISP lab up: HAProxy in front of a stand-in MISP node per site, a MariaDB pair, shared storage with replication (scripts/lab/misp.sh up)',
  );
  const started = Date.now();
  if (!run('bash', [MISP_SH, 'up'])) {
    run('bash', [MISP_SH, 'down']);
    throw new LabUnavailable('the MISP lab did not start (see the lines above and data/lab-misp/)');
  }
  if (!(await atStart())) {
    console.log('the lab was left by an earlier drill with the secondary serving: recreating it');
    run('bash', [MISP_SH, 'destroy']);
    if (!run('bash', [MISP_SH, 'up']) || !(await atStart()))
      throw new LabUnavailable('the recreated MISP lab does not serve from the primary through HAProxy');
  }
  const startMs = Date.now() - started;
  console.log(`the MISP lab serves from the primary through HAProxy (started in ${(startMs / 1000).toFixed(1)}s)`);
  return {
    planFile: path.join(PROJECT_ROOT, 'plans', 'misp-lab.yaml'),
    startedServers: true,
    startMs,
    probe: mispProbe,
  };
}

export function stopMispLab(lab: DemoLab): void {
  if (lab.startedServers) run('bash', [MISP_SH, 'down']);
}
