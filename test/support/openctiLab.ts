/**
 * The OpenCTI lab's real servers for one test file (scripts/lab/opencti.sh): its own lab dir and
 * port offset (the OpenCTI lab's bases sit in 7000-7999, so offsets 14000-17000 put a file's ports
 * in 21000-24999), started by the test and destroyed after it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SecretRef, SiteRole, StepInput, SwitchArgs, ActivityStepAction, ActionArgs } from '../../domain';
import { activityStepInput } from './activityCalls';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '../..');
export const OPENCTI_SH = path.join(ROOT, 'scripts', 'lab', 'opencti.sh');

export type OpenctiServer = 'kubernetes' | 'redis' | 'rabbitmq' | 'opensearch' | 's3' | 'platform';

/** The bases of scripts/lab/opencti-ports.sh; a file's ports are these plus its offset. */
const BASES = {
  redis: { primary: 7379, secondary: 7380 },
  rabbitmq: { primary: 7672, secondary: 7673 },
  rabbitmqMgmt: { primary: 7772, secondary: 7773 },
  rabbitmqDist: { primary: 7872, secondary: 7873 },
  /** With rabbitmqTls: AMQPS and the HTTPS management API. */
  rabbitmqAmqps: { primary: 7876, secondary: 7877 },
  rabbitmqMgmtTls: { primary: 7878, secondary: 7879 },
  opensearch: { primary: 7250, secondary: 7251 },
  k8sApi: { primary: 7443, secondary: 7444 },
  platform: { primary: 7090, secondary: 7091 },
};

/** DRILLBOOK_LAB_PORT_BASE's packing (scripts/lab/opencti-ports.sh): each server's primary port above the base; the secondary's is the next. */
const PACKED: Record<keyof typeof BASES, number> = {
  platform: 0,
  redis: 2,
  rabbitmq: 4,
  rabbitmqMgmt: 6,
  rabbitmqDist: 8,
  rabbitmqAmqps: 10,
  rabbitmqMgmtTls: 12,
  opensearch: 14,
  k8sApi: 22,
};
/** The ports a packed lab takes above its base. */
export const PACKED_PORTS = 25;

export interface OpenctiLab {
  dir: string;
  offset: number;
  env: NodeJS.ProcessEnv;
  port(server: keyof typeof BASES, site: SiteRole): number;
  s3Port: number;
  secret(name: string): SecretRef;
  secretValue(name: string): string;
  kubeconfig(site: SiteRole, who?: 'drill' | 'admin'): string;
  /** The lab CA that signed the TLS listeners' certificate (with rabbitmqTls). */
  caFile: string;
  /** Runs opencti.sh with this lab's dir and offset; returns stdout (throws with stderr on failure). */
  lab(...args: string[]): Promise<string>;
  /** The argv a plan names to run opencti.sh for this lab. */
  argv(...args: string[]): string[];
  destroy(): Promise<void>;
}

/** The control plane is built once (~10 min, scripts/install-k8s.sh): far longer than a test's setup may take. */
function requireKubernetesBinaries(): void {
  const bin =
    process.env.DRILLBOOK_K8S_BIN ??
    path.join(process.env.DRILLBOOK_TOOLS_DIR ?? path.join(ROOT, 'tools'), 'k8s', 'bin');
  const missing = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl', 'kwok'].filter(
    (b) => !existsSync(path.join(bin, b)),
  );
  if (missing.length)
    throw new Error(
      `${missing.join(', ')} missing in ${bin}: run \`bash scripts/install-k8s.sh\` (about 10 minutes the first time) before these tests`,
    );
}

/** `rabbitmqTls`: RabbitMQ's TLS listeners beside the plain ones (`on`) or alone, as Amazon MQ has them (`only`). */
export async function startOpenctiLab(
  offset: number,
  servers: OpenctiServer[],
  options: {
    rabbitmqTls?: 'on' | 'only';
    /** Every port packed into base..base+24 (offset ignored). */ portBase?: number;
  } = {},
): Promise<OpenctiLab> {
  if (servers.includes('kubernetes')) requireKubernetesBinaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-octi-'));
  // mkdtemp makes the folder 700; the OpenSearch user must reach inside.
  chmodSync(dir, 0o755);
  const env = {
    ...process.env,
    DRILLBOOK_LAB_DIR: dir,
    DRILLBOOK_LAB_PORT_OFFSET: String(offset),
    DRILLBOOK_LAB_TIMEOUT: '120',
    ...(options.rabbitmqTls ? { DRILLBOOK_LAB_RABBITMQ_TLS: options.rabbitmqTls } : {}),
    ...(options.portBase ? { DRILLBOOK_LAB_PORT_BASE: String(options.portBase) } : {}),
  };
  const base = options.portBase;
  const lab = async (...args: string[]) => {
    try {
      const { stdout } = await run('bash', [OPENCTI_SH, ...args], { env, timeout: 900_000, maxBuffer: 4 << 20 });
      return stdout;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`opencti.sh ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
        cause: error,
      });
    }
  };
  const handle: OpenctiLab = {
    dir,
    offset,
    env,
    port: (server, site) =>
      base ? base + PACKED[server] + (site === 'secondary' ? 1 : 0) : BASES[server][site] + offset,
    s3Port: base ? base + 24 : 7566 + offset,
    secret: (name) => ({ file: path.join(dir, 'secrets', `${name}.password`) }),
    secretValue: (name) => readFileSync(path.join(dir, 'secrets', `${name}.password`), 'utf8').trim(),
    kubeconfig: (site, who = 'drill') => path.join(dir, 'k8s', site, `${who}.kubeconfig`),
    caFile: path.join(dir, 'tls', 'ca.pem'),
    lab,
    argv: (...args) => [
      'env',
      `DRILLBOOK_LAB_DIR=${dir}`,
      `DRILLBOOK_LAB_PORT_OFFSET=${offset}`,
      ...(options.rabbitmqTls ? [`DRILLBOOK_LAB_RABBITMQ_TLS=${options.rabbitmqTls}`] : []),
      ...(base ? [`DRILLBOOK_LAB_PORT_BASE=${base}`] : []),
      'bash',
      OPENCTI_SH,
      ...args,
    ],
    destroy: async () => {
      await lab('destroy').catch(() => undefined);
    },
  };
  try {
    for (const server of servers) await lab('up', server);
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}

const SITE_NAMES = { primary: 'dc1', secondary: 'dc2' };

export function switchArgs(component: string, over: Partial<SwitchArgs> = {}): SwitchArgs {
  return {
    siteNames: SITE_NAMES,
    from: 'primary',
    to: 'secondary',
    planned: true,
    rpoMs: 60_000,
    canary: 'failover',
    component,
    ...over,
  };
}

/** A StepInput as the workflow would send it, for this lab's target. */
export const stepInput = <A extends ActivityStepAction>(
  drillId: string,
  action: A,
  args: ActionArgs[A],
  site?: SiteRole,
): StepInput<A> => activityStepInput('opencti-lab', drillId, action, args, site);

export { expectFailure } from './activityCalls';
