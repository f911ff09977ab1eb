/**
 * A worker-like child process for test/dying-servers.test.ts: it runs the project's compiled
 * activity code (dist/, built by scripts/test.sh) on command, one JSON line per call on stdin, and
 * answers one JSON line per call on stdout, plus `{ id, event: 'holding' }` once a call holds its
 * server's connection. It installs no 'uncaughtException' handler on purpose: an 'error' event
 * nobody hears ends this process exactly as it would end a Drillbook worker, and the test sees it.
 */
const path = require('node:path');
const readline = require('node:readline');

const kinds = path.join(__dirname, '..', '..', 'dist', 'kinds');
const { withPg } = require(path.join(kinds, 'postgres', 'activities', 'inspect.js'));
const { withNode } = require(path.join(kinds, 'mysql', 'activities', 'inspect.js'));
const { withRedis } = require(path.join(kinds, 'redis', 'activities', 'node.js'));
const { createRabbitmqActivities } = require(path.join(kinds, 'rabbitmq', 'activities.js'));

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the connection as a waiting step does: a query every 200 ms for `holdMs`, or one long query in flight. */
async function hold(id, ask, { mode, holdMs, longQuery }) {
  send({ id, event: 'holding' });
  if (mode === 'in-flight') return ask(longQuery);
  const until = Date.now() + holdMs;
  let asked = 0;
  while (Date.now() < until) {
    await ask();
    asked += 1;
    await sleep(200);
  }
  return { asked };
}

const calls = {
  postgres: (id, c) =>
    withPg(c.args, c.password, 'primary', (client) =>
      hold(id, (sql) => client.query(sql ?? 'SELECT 1'), { ...c, longQuery: 'SELECT pg_sleep(60)' }),
    ).then((r) => r.result),
  mysql: (id, c) =>
    withNode(c.args, 'primary', c.password, (conn) =>
      hold(id, (sql) => conn.query(sql ?? 'SELECT 1'), { ...c, longQuery: 'SELECT SLEEP(60)' }),
    ).then((r) => r.result),
  redis: (id, c) =>
    withRedis(c.args, 'primary', 'test.redis', (client) =>
      hold(id, (command) => client.sendCommand(command ?? ['PING']), {
        ...c,
        longQuery: ['BLPOP', 'never-pushed', '60'],
      }),
    ),
  rabbitmq: (id, c) => {
    // The activity polls the management API on its own; it holds the node from its first reading.
    setTimeout(() => send({ id, event: 'holding' }), c.holdAfterMs ?? 1500);
    return createRabbitmqActivities()[c.action](c.input);
  },
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const call = JSON.parse(line);
  calls[call.kind](call.id, call).then(
    (result) => send({ id: call.id, ok: true, result }),
    (error) =>
      send({
        id: call.id,
        ok: false,
        error: {
          name: error.name,
          type: error.type,
          message: error.message,
          nonRetryable: error.nonRetryable,
          details: error.details,
        },
      }),
  );
});
send({ event: 'ready', pid: process.pid });
