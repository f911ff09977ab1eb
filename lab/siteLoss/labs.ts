/**
 * Each lab's site-loss set-up, read from its own script's `env` (one home for its ports and secret
 * files): where the load client writes, how the new side is asked what it holds, which pairs the
 * writer watch samples, and the script `lab disaster` / `lab return` run.
 * The TIPs cannot run here: the writes go to the stand-in app (ThreatConnect lab), a stand-in MISP
 * node behind HAProxy (MISP lab) and the Redis the stand-in OpenCTI platform keeps its data in.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../store/config';
import { indicatorTarget, indicatorsHeld, redisHeld, redisTarget, type WriteTarget } from './targets';
import type { WatchedPair } from './writerWatch';
import { scheduledSnapshotTaken, snapshotNow } from './searchSnapshot';

export const SITE_LOSS_PLATFORMS = ['threatconnect', 'opencti', 'misp'] as const;
export type SiteLossPlatform = (typeof SITE_LOSS_PLATFORMS)[number];

export interface SiteLossLab {
  platform: SiteLossPlatform;
  /** scripts/lab/<script>: its `disaster` and `return` verbs. */
  script: string;
  /** Its data folder, where site-loss.json is recorded. */
  dir: string;
  /** What the client writes and through what, for the evidence. */
  client: string;
  targets(): WriteTarget[];
  /** Which of the acknowledged ids the new (secondary) side holds. */
  held(ids: readonly string[]): Promise<Set<string>>;
  pairs: WatchedPair[];
  /** Makes sure what a loss restores from exists (the search tier's newest snapshot); says what it found. */
  beforeLoss?(since: number): Promise<string>;
}

export const SCRIPTS: Record<SiteLossPlatform, string> = {
  threatconnect: 'lab.sh',
  opencti: 'opencti.sh',
  misp: 'misp.sh',
};

/** The lab script's `env`: KEY=VALUE lines. */
function labEnv(script: string): Record<string, string> {
  const out = execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'lab', script), 'env'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

function need(env: Record<string, string>, key: string, script: string): string {
  const value = env[key];
  if (!value) throw new Error(`scripts/lab/${script} env does not say ${key}`);
  return value;
}

export function siteLossLab(platform: SiteLossPlatform): SiteLossLab {
  const script = SCRIPTS[platform];
  const env = labEnv(script);
  const get = (key: string) => need(env, key, script);
  const port = (key: string) => Number(get(key));
  const dir = get('DRILLBOOK_LAB_DIR');
  if (platform === 'opencti') {
    const at = (site: 'PRIMARY' | 'SECONDARY') => ({
      host: '127.0.0.1',
      port: port(`LAB_REDIS_${site}_PORT`),
      passwordFile: get('LAB_REDIS_PASSWORD_FILE'),
    });
    return {
      platform,
      script,
      dir,
      client: `keys SET in the stand-in OpenCTI platform's Redis, redis://127.0.0.1:${at('PRIMARY').port} then :${at('SECONDARY').port}`,
      targets: () => [redisTarget('primary', at('PRIMARY')), redisTarget('secondary', at('SECONDARY'))],
      held: (ids) => redisHeld(at('SECONDARY'), ids),
      beforeLoss: () => snapshotNow(get('LAB_OPENSEARCH_PRIMARY_URL'), 'opencti-shared', 'opencti_*'),
      pairs: [
        {
          name: 'redis',
          kind: 'redis',
          ports: { primary: at('PRIMARY').port, secondary: at('SECONDARY').port },
          passwordFile: get('LAB_REDIS_PASSWORD_FILE'),
        },
      ],
    };
  }
  const drillPassword = get(platform === 'misp' ? 'LAB_MYSQL_DRILL_PASSWORD_FILE' : 'LAB_MARIADB_DRILL_PASSWORD_FILE');
  const mariadb: WatchedPair = {
    name: 'mariadb',
    kind: 'mariadb',
    ports: { primary: port('LAB_MARIADB_PRIMARY_PORT'), secondary: port('LAB_MARIADB_SECONDARY_PORT') },
    passwordFile: drillPassword,
  };
  const held = (ids: readonly string[]) =>
    indicatorsHeld({ port: mariadb.ports.secondary, user: 'drill', passwordFile: drillPassword }, ids);
  if (platform === 'misp') {
    const frontend = get('LAB_MISP_FRONTEND_URL');
    return {
      platform,
      script,
      dir,
      client: `stand-in MISP node indicators through HAProxy's frontend ${frontend} (the node that stored each one names its site)`,
      targets: () => [indicatorTarget('haproxy', frontend)],
      held,
      pairs: [mariadb],
    };
  }
  const [primary, secondary] = [get('LAB_APP_PRIMARY_URL'), get('LAB_APP_SECONDARY_URL')];
  return {
    platform,
    script,
    dir,
    client: `stand-in TIP app indicators through ${primary}, then ${secondary} once the primary's fails (a client behind DNS once DNS has moved)`,
    targets: () => [indicatorTarget('primary', primary), indicatorTarget('secondary', secondary)],
    held,
    beforeLoss: (since) => scheduledSnapshotTaken(dir, since),
    pairs: [
      mariadb,
      {
        name: 'postgres',
        kind: 'postgres',
        ports: { primary: port('LAB_POSTGRES_PRIMARY_PORT'), secondary: port('LAB_POSTGRES_SECONDARY_PORT') },
        passwordFile: get('LAB_POSTGRES_DRILL_PASSWORD_FILE'),
      },
    ],
  };
}
