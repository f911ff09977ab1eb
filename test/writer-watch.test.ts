/**
 * The writer watch of the data-drill test can only pass for the right reason: a node it cannot get an
 * answer from counts as unknown (never as "not writable"), and a watch with too many unknowns fails
 * saying so; a node that is not there at all (connection refused) is "down", which it may be during
 * a drill. Real sockets on loopback: servers that accept and never answer, and ports nobody listens on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './support/ports';
import { MAX_UNKNOWN_STRETCH_MS, watchWriters, type WatchedPair } from '../lab/siteLoss/writerWatch';
import { dataLabPairs } from './support/dataLab';
import type { SiteRole } from '../domain';

jest.setTimeout(30_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-watch-'));
  for (const name of ['mysql-drill', 'pg-drill', 'redis'])
    writeFileSync(path.join(dir, `${name}.password`), 'not-used-by-these-servers\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Ports = Record<'mariadb' | 'postgres' | 'opensearch', Record<SiteRole, number>>;
/** The data lab's MariaDB and PostgreSQL pairs at these ports, and a Redis pair (the OpenCTI lab's). */
const pairsAt = (ports: Ports, redis: Record<SiteRole, number>): WatchedPair[] => [
  ...dataLabPairs({ ports, secret: (name: string) => ({ file: path.join(dir, `${name}.password`) }) }),
  { name: 'redis', kind: 'redis', ports: redis, passwordFile: path.join(dir, 'redis.password') },
];

/** A server that accepts connections and never says a word, as a hung database would. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('nodes that never answer are unknown, and a watch of unknowns fails saying so instead of passing', async () => {
  const servers = await Promise.all(Array.from({ length: 6 }, () => silentServer()));
  try {
    const watch = watchWriters(
      pairsAt(
        {
          mariadb: { primary: servers[0].port, secondary: servers[1].port },
          postgres: { primary: servers[2].port, secondary: servers[3].port },
          opensearch: { primary: 1, secondary: 1 },
        },
        { primary: servers[4].port, secondary: servers[5].port },
      ),
    );
    // Until every node has been unknown for longer than the limit (each sample waits out its 1 s connect timeout).
    await watch.until(({ nodes }) =>
      Object.values(nodes).every((sites) =>
        Object.values(sites).every((node) => node.longestUnknownMs > MAX_UNKNOWN_STRETCH_MS),
      ),
    );
    const stopped = watch.stop();
    await expect(stopped).rejects.toThrow(/could not tell whether a node took writes too often/);
    const message = await stopped.catch((error: Error) => error.message);
    for (const node of [
      'mariadb primary',
      'mariadb secondary',
      'postgres primary',
      'postgres secondary',
      'redis primary',
      'redis secondary',
    ]) {
      expect(message).toMatch(new RegExp(`${node}: (\\d+) of \\1 samples unknown \\(more than 10%\\)`));
      expect(message).toMatch(new RegExp(`${node}: unknown for \\d+\\.\\d s at a stretch \\(more than 2 s\\)`));
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test('nodes nobody listens for are down, not unknown: never writable, and no verdict against the watch', async () => {
  const [m1, m2, p1, p2, r1, r2] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const watch = watchWriters(
    pairsAt(
      {
        mariadb: { primary: m1, secondary: m2 },
        postgres: { primary: p1, secondary: p2 },
        opensearch: { primary: 1, secondary: 1 },
      },
      { primary: r1, secondary: r2 },
    ),
  );
  // A few rounds of samples (each round is a refused connection per node and a 100 ms pause).
  await watch.until(({ samples }) => samples > 3);
  const watched = await watch.stop();
  expect(watched.samples).toBeGreaterThan(3);
  expect(watched.bothWritable).toEqual([]);
  expect(watched.sawWritable).toEqual({
    mariadb: { primary: false, secondary: false },
    postgres: { primary: false, secondary: false },
    redis: { primary: false, secondary: false },
  });
  for (const server of ['mariadb', 'postgres', 'redis'] as const) {
    for (const site of ['primary', 'secondary'] as const) {
      expect(watched.nodes[server][site]).toMatchObject({
        samples: watched.samples,
        down: watched.samples,
        unknown: 0,
      });
    }
  }
});
