/**
 * The OpenCTI demo's lab (scripts/lab/opencti.sh): installs what it needs (Redis, RabbitMQ, Java,
 * OpenSearch and moto through install-lab-deps.sh; the Kubernetes control plane through
 * install-k8s.sh, about 10 minutes the first time), brings it up, and makes sure the drill starts
 * from the primary serving and the secondary standing by. No fallback: without the lab there is
 * nothing to drill, and the demo says so and fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../store/config';
import type { DemoLab } from './lab';

const run = (program: string, args: string[]) =>
  spawnSync(program, args, { cwd: PROJECT_ROOT, stdio: 'inherit' }).status === 0;
const OPENCTI_SH = 'scripts/lab/opencti.sh';

/** The lab's health access key, from the file the plan's checks name (never written into a URL we print). */
const healthKey = (): string =>
  readFileSync(path.join(PROJECT_ROOT, 'data', 'lab-opencti', 'secrets', 'opencti-health.password'), 'utf8').trim();

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

/** The primary serves and the secondary does not: where a drill begins (a stopped demo may leave it otherwise). */
async function atStart(): Promise<boolean> {
  const key = encodeURIComponent(healthKey());
  const health = (port: number) => answers(`http://127.0.0.1:${port}/health?health_access_key=${key}`);
  // The stand-in notices its pods within half a second; give a fresh lab a few seconds to serve.
  for (let i = 0; i < 20; i++) {
    if ((await health(7090)) && !(await health(7091))) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

export class LabUnavailable extends Error {}

export async function prepareOpenctiLab(): Promise<DemoLab & { startMs: number }> {
  if (!run('bash', ['scripts/install-lab-deps.sh']))
    throw new LabUnavailable(
      "the OpenCTI lab's servers could not be installed (see above; it needs root on Debian): run sudo bash scripts/install-lab-deps.sh",
    );
  if (!run('bash', ['scripts/install-k8s.sh']))
    throw new LabUnavailable(
      'the Kubernetes control plane could not be built (see above; it needs Go and the Go module proxy): run bash scripts/install-k8s.sh',
    );
  console.log(
    'bringing the OpenCTI lab up: a Kubernetes control plane, Redis, RabbitMQ, OpenSearch and S3 per site, and the stand-in platform (scripts/lab/opencti.sh up)',
  );
  const started = Date.now();
  if (!run('bash', [OPENCTI_SH, 'up'])) {
    run('bash', [OPENCTI_SH, 'down']);
    throw new LabUnavailable('the OpenCTI lab did not start (see the lines above and data/lab-opencti/*/)');
  }
  if (!(await atStart())) {
    console.log('the lab was left by an earlier drill with the secondary serving: recreating it');
    run('bash', [OPENCTI_SH, 'destroy']);
    if (!run('bash', [OPENCTI_SH, 'up']) || !(await atStart()))
      throw new LabUnavailable('the recreated OpenCTI lab does not serve from the primary');
  }
  const startMs = Date.now() - started;
  console.log(`the OpenCTI lab serves from the primary (started in ${(startMs / 1000).toFixed(1)}s)`);
  // moto accepts any key; the worker's S3 steps read the standard AWS chain.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return { planFile: path.join(PROJECT_ROOT, 'plans', 'opencti-lab.yaml'), startedServers: true, startMs };
}

export function stopOpenctiLab(lab: DemoLab): void {
  if (lab.startedServers) run('bash', [OPENCTI_SH, 'down']);
}
