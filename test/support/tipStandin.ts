/**
 * Stand-in TIP apps for the profile tests: a primary and a secondary answering as ThreatConnect,
 * OpenCTI or MISP (lab/tip/) over one shared in-memory store (as the lab's replicated
 * database), on DRILLBOOK_TEST_PORTS or 27000-27999, and plans whose tip block points at them with the secrets in
 * files. Each site answers as a named release (lab/tip/versions.ts). The stand-in is not the
 * platform: these tests prove the clients speak the documented API, read it as each release's
 * source means it, and fail closed; not that a real ThreatConnect, OpenCTI or MISP answers the same.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startStandin } from '../../lab/standinApp';
import type { ApiCredentials, PersonalityName } from '../../lab/tip';
import { memoryStore, type JobRun, type TipStore } from '../../lab/tipStore';
import { freePort, testPortRange } from './ports';

/** A free port in DRILLBOOK_TEST_PORTS when set (a shared machine's own range), else in 27000-27999. */
export async function tipPort(): Promise<number> {
  if (testPortRange()) return freePort();
  for (let tries = 0; tries < 50; tries++) {
    const port = 27000 + Math.floor(Math.random() * 1000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 27000-27999');
}

export const CREDENTIALS = { accessId: 'drillbook-drill', secret: 'stand-in-secret-9f2c', healthKey: 'health+key&1' };

export interface SiteOptions {
  monitorsEnabled?: boolean;
  loginPage?: boolean;
  /** Refuse these credentials instead (the server's secret differs from the plan's). */
  secret?: string;
  /** The release to answer as (`--version`); the personality's default when absent. */
  version?: string;
  /** MISP: the plan's key is not a site admin's. OpenCTI: the account's refusal code, the user's capabilities. */
  credentials?: Pick<ApiCredentials, 'siteAdmin' | 'refusal' | 'capabilities'>;
  /** The release string it reports (the recovery-state checks compare it across sites); the --version's own when absent. */
  release?: string;
  /** MISP: answer this instance UUID. */
  instanceUuid?: string;
}

export interface TipPair {
  dir: string;
  store: TipStore;
  urls: { primary: string; secondary: string };
  /** Secret files holding what the plan's references point at. */
  files: { secret: string; healthKey: string; wrong: string };
  /** Records a failed job run on `server` now (job executions carry it with failedTime). */
  failJob(server: string): void;
  close(): Promise<void>;
}

/** The store with failed runs among its job runs, newest first: memoryStore records only runs that completed. */
function withFailedRuns(store: TipStore, failed: JobRun[]): TipStore {
  return {
    ...store,
    recentJobRuns: async (count) =>
      [...(await store.recentJobRuns(count)), ...failed]
        .sort((a, b) => Date.parse(b.ranAt) - Date.parse(a.ranAt))
        .slice(0, count),
  };
}

/** Two stand-ins of one personality over one store; `seed` puts an indicator in it first. */
export async function startTipPair(
  personality: PersonalityName,
  sites: { primary?: SiteOptions; secondary?: SiteOptions },
  seed = true,
): Promise<TipPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `drillbook-tip-${personality}-`));
  const files = {
    secret: path.join(dir, 'secret'),
    healthKey: path.join(dir, 'health-key'),
    wrong: path.join(dir, 'wrong'),
  };
  writeFileSync(files.secret, `${CREDENTIALS.secret}\n`);
  writeFileSync(files.healthKey, CREDENTIALS.healthKey);
  writeFileSync(files.wrong, 'not-the-key');
  const failed: JobRun[] = [];
  const store = withFailedRuns(memoryStore(), failed);
  if (seed) {
    await store.addIndicator('evil.example.com', 'host', 'primary');
    await store.addIndicator('bad.example.net', 'host', 'primary');
  }
  const servers: http.Server[] = [];
  const urls = { primary: '', secondary: '' };
  for (const site of ['primary', 'secondary'] as const) {
    const options = sites[site] ?? {};
    const port = await tipPort();
    servers.push(
      await startStandin({
        site,
        port,
        store,
        seed: false,
        jobEveryMs: 200,
        monitorsEnabled: options.monitorsEnabled ?? false,
        loginPage: options.loginPage,
        api: {
          personality,
          version: options.version,
          release: options.release,
          instanceUuid: options.instanceUuid,
          credentials: { ...CREDENTIALS, secret: options.secret ?? CREDENTIALS.secret, ...options.credentials },
        },
      }),
    );
    urls[site] = `http://127.0.0.1:${port}`;
  }
  return {
    dir,
    store,
    urls,
    files,
    failJob: (server) => void failed.push({ server, ranAt: new Date().toISOString(), failed: true }),
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

type Tip = Record<string, unknown>;

/** A plan of the platform whose tip block points at the pair; `edit` changes the tip block. */
export function tipPlanYaml(
  platform: PersonalityName | 'generic',
  pair: Pick<TipPair, 'urls' | 'files'> | undefined,
  edit?: (tip: Tip) => void,
): string {
  const plan: Record<string, unknown> = {
    target: `tip-${platform}`,
    platform,
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice', 'bob'] },
    components: {
      app: {
        kind: 'service',
        primary: {
          health: { http: { url: 'http://127.0.0.1:27999/health' } },
          stop: { command: ['true'] },
          start: { command: ['true'] },
        },
        secondary: {
          health: { http: { url: 'http://127.0.0.1:27998/health' } },
          stop: { command: ['true'] },
          start: { command: ['true'] },
        },
      },
    },
  };
  if (pair && platform !== 'generic') {
    const site = (role: 'primary' | 'secondary'): Tip => {
      const secret = { file: pair.files.secret };
      if (platform === 'threatconnect')
        return {
          url: pair.urls[role],
          accessId: CREDENTIALS.accessId,
          secretKey: secret,
          serverName: role,
          monitorsEnabled: { command: ['sh', '-c', role === 'primary' ? 'echo true' : 'echo false'] },
        };
      if (platform === 'opencti')
        return { url: pair.urls[role], token: secret, healthKey: { file: pair.files.healthKey } };
      return { url: pair.urls[role], key: secret };
    };
    const tip: Tip = { primary: site('primary'), secondary: site('secondary'), timeout: '3s' };
    edit?.(tip);
    plan.tip = tip;
  }
  return stringify(plan);
}
