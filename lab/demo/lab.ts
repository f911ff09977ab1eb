/**
 * The demo's lab: the real data tier (scripts/lab/lab.sh) when it can run here, else the stand-in
 * apps alone, said loudly so nobody mistakes one for the other.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../store/config';
import type { Plan } from '../../domain';

export interface DemoLab {
  planFile: string;
  /** Whether the demo brought the lab's servers up (and so takes them down after). */
  startedServers: boolean;
  /** The lab's own evidence between failover and failback; by default the app tier's health URLs. */
  probe?: () => Promise<{ secondaryUp: boolean; primaryDown: boolean }>;
}

const run = (program: string, args: string[]) =>
  spawnSync(program, args, { cwd: PROJECT_ROOT, stdio: 'inherit' }).status === 0;

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  console.log(
    `\n${'!'.repeat(width)}\n${lines.map((l) => `! ${l.padEnd(width - 4)} !`).join('\n')}\n${'!'.repeat(width)}\n`,
  );
}

export function prepareDemoLab(explicitPlan: string | undefined): DemoLab {
  if (explicitPlan) return { planFile: explicitPlan, startedServers: false };
  const fallback = path.join(PROJECT_ROOT, 'plans', 'example-lab.yaml');
  // Idempotent and quick when everything is there; it needs root to install what is missing.
  if (!run('bash', ['scripts/install-lab-deps.sh'])) {
    banner([
      'THE LAB SERVERS (MariaDB, PostgreSQL, OpenSearch) COULD NOT BE INSTALLED (see above; it needs root).',
      'FALLING BACK to plans/example-lab.yaml: stand-in app processes only, no databases.',
      'Run `sudo bash scripts/install-lab-deps.sh` once for the full lab drill.',
    ]);
    return { planFile: fallback, startedServers: false };
  }
  console.log(
    'bringing the lab up: MariaDB pair, PostgreSQL primary/standby, an OpenSearch cluster per site with its snapshot schedule (scripts/lab/lab.sh up)',
  );
  if (!run('bash', ['scripts/lab/lab.sh', 'up', 'all'])) {
    banner([
      'THE LAB SERVERS DID NOT ALL START (see the lines above, and data/lab/*.log).',
      'FALLING BACK to plans/example-lab.yaml: stand-in app processes only, no databases.',
    ]);
    run('bash', ['scripts/lab/lab.sh', 'down', 'all']);
    return { planFile: fallback, startedServers: false };
  }
  return { planFile: path.join(PROJECT_ROOT, 'plans', 'lab.yaml'), startedServers: true };
}

export function stopDemoLab(lab: DemoLab): void {
  if (lab.startedServers) run('bash', ['scripts/lab/lab.sh', 'down', 'all']);
}

/** Puts the app tier where a drill expects it: running on the primary, stopped on the secondary. */
export function setAppTier(plan: Plan, wanted: { primary: 'start' | 'stop'; secondary: 'start' | 'stop' }): void {
  for (const component of Object.values(plan.components)) {
    if (component.kind !== 'service' || component.tier !== 'app') continue;
    for (const site of ['secondary', 'primary'] as const) {
      const command = component[site][wanted[site]]?.command;
      if (command) spawnSync(command.argv[0], command.argv.slice(1), { cwd: PROJECT_ROOT, stdio: 'inherit' });
    }
  }
}
