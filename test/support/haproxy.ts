/**
 * A real HAProxy (Debian's haproxy package) for one test file: a frontend, one backend with a server
 * per site checked every 200 ms on a health file, and the runtime API on a UNIX socket at level
 * admin. The sites' nodes are small HTTP servers that serve files from a web root and say who they are.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';

export const CHECK_INTERVAL_MS = 200;
/** Consecutive checks that change a server's state: fall and rise. */
export const CHECKS_TO_CHANGE = 2;

export interface HaproxyLab {
  socket: string;
  frontend: number;
  stop(): void;
}

export interface Node {
  name: string;
  port: number;
  webroot: string;
  server: http.Server;
  /** Requests this node served on "/". */
  served: number;
}

export function haproxyAvailable(): boolean {
  return spawnSync('haproxy', ['-v']).status === 0;
}

/** A site's node: GET / says its name, anything else is a file under its web root (404 when absent). */
export async function startNode(name: string, port: number, webroot: string): Promise<Node> {
  mkdirSync(webroot, { recursive: true });
  const node = { name, port, webroot, served: 0 } as Node;
  node.server = http.createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0];
    if (url === '/') {
      node.served += 1;
      response.writeHead(200, { 'content-type': 'text/plain' }).end(name);
      return;
    }
    readFile(path.join(webroot, path.normalize(url).replace(/^(\.\.[/\\])+/, ''))).then(
      (body) => response.writeHead(200).end(body),
      () => response.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => node.server.listen(port, '127.0.0.1', resolve));
  return node;
}

export async function stopNode(node: Node): Promise<void> {
  node.server.closeAllConnections();
  await new Promise<void>((resolve) => node.server.close(() => resolve()));
}

export function startHaproxy(
  dir: string,
  frontend: number,
  backend: string,
  servers: { name: string; port: number }[],
): HaproxyLab {
  mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'admin.sock');
  const pidfile = path.join(dir, 'haproxy.pid');
  const config = [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    `  pidfile ${pidfile}`,
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend web',
    `  bind 127.0.0.1:${frontend}`,
    `  default_backend ${backend}`,
    `backend ${backend}`,
    '  option httpchk GET /health.html',
    `  default-server inter ${CHECK_INTERVAL_MS}ms fall ${CHECKS_TO_CHANGE} rise ${CHECKS_TO_CHANGE}`,
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`),
    '',
  ].join('\n');
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const started = spawnSync('haproxy', ['-D', '-f', file], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`haproxy did not start: ${started.stderr}`);
  return {
    socket,
    frontend,
    stop() {
      try {
        process.kill(Number(readFileSync(pidfile, 'utf8')), 'SIGTERM');
      } catch {
        // Already gone.
      }
    },
  };
}

/** Who answers through the frontend, `count` times (HAProxy round-robins over the servers taking traffic). */
export async function whoServes(frontend: number, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${frontend}/`, { signal: AbortSignal.timeout(2000) });
      seen.push(response.status === 200 ? await response.text() : `status ${response.status}`);
    } catch {
      seen.push('no answer');
    }
  }
  return seen;
}

/**
 * A site's node as a process of its own (so a site loss can SIGKILL it), serving from its site's
 * shared folder: GET /write?n=N writes writes/N.txt there (a client's write) and answers the site's
 * name, GET /health answers {"site":NAME}, anything else is a file under webroot/. Started and
 * stopped by shell commands a plan can name; the pid file is what they and the teardown use.
 */
export const SITE_NODE_JS = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const [name, port, root] = process.argv.slice(2);
http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://node');
  if (url.pathname === '/write') {
    try {
      fs.mkdirSync(path.join(root, 'writes'), { recursive: true });
      fs.writeFileSync(path.join(root, 'writes', String(Number(url.searchParams.get('n'))) + '.txt'), name);
      res.writeHead(200).end(name);
    } catch (e) { res.writeHead(500).end(String(e)); }
    return;
  }
  if (url.pathname === '/health') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ site: name }));
  fs.readFile(path.join(root, 'webroot', path.normalize(url.pathname).replace(/^(\\.\\.[/\\\\])+/, '')), (e, body) =>
    e ? res.writeHead(404).end('not found') : res.writeHead(200).end(body));
}).listen(Number(port), '127.0.0.1');
`;

export interface SiteNodeCommands {
  /** Starts the node unless its pid file names a live process (a start after a loss or a second start is safe). */
  start: string[];
  /** SIGTERM to the node of the pid file; fails when it is not running. */
  stop: string[];
  pidfile: string;
}

export function siteNodeCommands(dir: string, name: string, port: number, root: string): SiteNodeCommands {
  const script = path.join(dir, 'site-node.js');
  writeFileSync(script, SITE_NODE_JS);
  const pidfile = path.join(dir, `node-${name}.pid`);
  const log = path.join(dir, `node-${name}.log`);
  return {
    pidfile,
    start: [
      'sh',
      '-c',
      `if [ -f ${pidfile} ] && kill -0 "$(cat ${pidfile})" 2>/dev/null; then exit 0; fi; setsid ${process.execPath} ${script} ${name} ${port} ${root} </dev/null >>${log} 2>&1 & echo $! > ${pidfile}`,
    ],
    stop: ['sh', '-c', `kill "$(cat ${pidfile})" && rm -f ${pidfile}`],
  };
}

/** SIGKILL of the node a pid file names (a site loss, or a teardown); false when none ran. */
export function killByPidfile(pidfile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidfile, 'utf8')), 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
