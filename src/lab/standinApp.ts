/**
 * A small stand-in for a site's TIP application server: answers /health with its site name, so a
 * drill can stop it, start it and check it like the real thing.
 * Run: node dist/src/lab/standinApp.js --site primary --port 18081
 */
import http from 'node:http';

export interface StandinOptions {
  site: string;
  port: number;
}

export function startStandin(options: StandinOptions): http.Server {
  const startedAt = new Date().toISOString();
  const server = http.createServer((request, response) => {
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', site: options.site, startedAt, pid: process.pid }));
      return;
    }
    response.writeHead(404).end();
  });
  server.listen(options.port, '127.0.0.1');
  return server;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
}

if (require.main === module) {
  const site = argument('site') ?? 'primary';
  const port = Number(argument('port') ?? 18081);
  const server = startStandin({ site, port });
  // Health checkers keep connections alive; drop them so a stop takes milliseconds, not seconds.
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
