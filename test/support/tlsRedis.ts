/**
 * Two Debian redis-server nodes with TLS only (`--port 0`), as ElastiCache's in-transit encryption
 * serves them: a primary and its replica (replicating over TLS, `--masterauth`), both asking for an
 * AUTH token the test writes into each node's config file (never on a command line), certificates
 * from store/certificates.ts. Stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { makeLabCertificates, type LabCertificates } from '../../store/certificates';
import { freePort } from './ports';

export interface TlsRedisPair {
  ports: { primary: number; secondary: number };
  certs: LabCertificates;
  /** The file holding the AUTH token (what a plan's `authToken: { file }` names). */
  tokenFile: string;
  token: string;
  /** Runs `work` with a TLS client of one node, as an application would. */
  client<T>(port: number, work: (c: { sendCommand(args: string[]): Promise<unknown> }) => Promise<T>): Promise<T>;
  /** SIGKILLs the node on `port`, as a lost region or zone does, and waits for it to be gone. */
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

function nodeConfig(dir: string, port: number, certs: LabCertificates, token: string, replicaOf?: number): string {
  const file = path.join(dir, `redis-${port}.conf`);
  const lines = [
    'bind 127.0.0.1',
    'port 0',
    `tls-port ${port}`,
    `tls-cert-file ${certs.certFile}`,
    `tls-key-file ${certs.keyFile}`,
    `tls-ca-cert-file ${certs.caFile}`,
    'tls-auth-clients no',
    'tls-replication yes',
    `requirepass ${token}`,
    `masterauth ${token}`,
    `dir ${dir}`,
    `dbfilename dump-${port}.rdb`,
    'save ""',
    'appendonly no',
    // The first full sync otherwise waits 5 s (FIELD-NOTES 8.1).
    'repl-diskless-sync-delay 0',
    ...(replicaOf ? [`replicaof 127.0.0.1 ${replicaOf}`] : []),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

export async function startTlsRedisPair(dir: string): Promise<TlsRedisPair> {
  mkdirSync(dir, { recursive: true });
  const certs = await makeLabCertificates(path.join(dir, 'tls'));
  const token = `lab-token-${Math.random().toString(36).slice(2)}`;
  const tokenFile = path.join(dir, 'auth-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const ports = { primary: await freePort(), secondary: await freePort() };
  const children: ChildProcess[] = [];
  const byPort = new Map<number, ChildProcess>();
  const start = (port: number, replicaOf?: number) => {
    const log = openSync(path.join(dir, `redis-${port}.log`), 'a');
    const child = spawn('redis-server', [nodeConfig(dir, port, certs, token, replicaOf)], {
      stdio: ['ignore', log, log],
    });
    children.push(child);
    byPort.set(port, child);
  };
  const gone = (child: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  const client = async <T>(
    port: number,
    work: (c: { sendCommand(args: string[]): Promise<unknown> }) => Promise<T>,
  ) => {
    const c = createClient({
      socket: { host: '127.0.0.1', port, tls: true, ca: readFileSync(certs.caFile, 'utf8'), reconnectStrategy: false },
      password: token,
    });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return await work(c);
    } finally {
      c.destroy();
    }
  };
  const pair: TlsRedisPair = {
    ports,
    certs,
    tokenFile,
    token,
    client,
    async kill(port) {
      const child = byPort.get(port);
      if (child) await gone(child, 'SIGKILL');
    },
    async stop() {
      await Promise.all(children.map((child) => gone(child, 'SIGTERM')));
    },
  };
  start(ports.primary);
  start(ports.secondary, ports.primary);
  // Bounded: the replica's link is up within seconds on loopback (checked every 200 ms for 20 s).
  for (let i = 0; ; i++) {
    const up = await client(ports.secondary, async (c) =>
      /master_link_status:up/.test(String(await c.sendCommand(['INFO', 'replication']))),
    ).catch(() => false);
    if (up) return pair;
    if (i >= 100) {
      await pair.stop();
      throw new Error(`the TLS redis pair did not come up within 20s; see ${dir}/redis-*.log`);
    }
    await sleep(200);
  }
}
