/**
 * The broker's data path, not only its API: a canary message published over the site's AMQP
 * endpoint (amqps for Amazon MQ, verifying the broker's certificate against the plan's CA) into a
 * queue of this run's own, confirmed by the broker, then read back through the management API
 * (https, the same CA). The queue is deleted after, and expires by itself 10 minutes after its last
 * use if the step dies before that. The record keeps the endpoint, the TLS protocol and the
 * certificate the broker presented, and how long each leg took.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { canaryKey } from '../kit/activities/canary';
import { failUntrusted, untrustedCertificate } from '../kit/activities/caBundle';
import { closeWithin, guardClient, serverLost, type Guard } from '../kit/activities/clients';
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { pollFor } from '../kit/activities/polling';
import { resolveSecret } from '../kit/activities/secrets';
import type { Observation, StepInput } from '../kit/activities/types';
import { caOf, managementApi } from './management';

const CONNECT_MS = 10_000;
/** A queue left behind by a step that died is removed by the broker this long after its last use. */
const QUEUE_EXPIRES_MS = 600_000;

/** What the broker's TLS socket shows: the protocol and the certificate it presented. */
function tlsFacts(connection: ChannelModel): Record<string, unknown> | undefined {
  // amqplib keeps the socket as connection.stream; its types do not say so.
  const socket = (connection as unknown as { connection?: { stream?: Partial<TLSSocket> } }).connection?.stream;
  if (typeof socket?.getPeerCertificate !== 'function') return undefined;
  const peer: Partial<PeerCertificate> = socket.getPeerCertificate() ?? {};
  return {
    protocol: socket.getProtocol?.() ?? undefined,
    subject: peer.subject?.CN,
    issuer: peer.issuer?.CN,
    validTo: peer.valid_to,
    fingerprint256: peer.fingerprint256,
  };
}

export async function rabbitmqCanary(input: StepInput<'rabbitmqCanary'>): Promise<Observation> {
  const args = input.step.args;
  const site = input.step.site ?? args.to;
  const at = args.siteNames[site];
  const endpoint = args.sites[site].amqp;
  if (!endpoint)
    failNonRetryable(
      `components.${args.component}.${site}.amqp: the canary needs the broker's AMQP endpoint, such as amqps://b-1234.mq.eu-west-1.amazonaws.com:5671`,
      'PlanInvalid',
    );
  const url = new URL(endpoint);
  const tls = url.protocol === 'amqps:';
  const ca = await caOf(args);
  const password = await resolveSecret(args.password, `${input.step.id}.password`);
  const server = {
    kind: 'RabbitMQ',
    endpoint: `${url.hostname}:${url.port || (tls ? 5671 : 5672)}`,
    label: `${args.component} on ${at}`,
  };
  const key = canaryKey(input, `${args.canary}:${site}`);
  const queue = `drillbook.canary.${key.replace(/[^A-Za-z0-9._:-]/g, '_')}`.slice(0, 255);
  const body = JSON.stringify({ canary: key, site: at, publishedAt: new Date().toISOString() });

  const started = Date.now();
  let connection: ChannelModel;
  try {
    connection = await amqp.connect(
      {
        protocol: tls ? 'amqps' : 'amqp',
        hostname: url.hostname,
        port: Number(url.port) || (tls ? 5671 : 5672),
        username: args.username,
        password,
        vhost: args.vhost,
      },
      {
        timeout: CONNECT_MS,
        clientProperties: { connection_name: `drillbook canary ${input.drillId}` },
        ...(ca ? { ca: [ca.pem] } : {}),
      },
    );
  } catch (error) {
    const code = untrustedCertificate(error);
    if (code)
      failUntrusted(
        `${args.component} on ${at} (${endpoint})`,
        code,
        error,
        ca && { file: ca.file, planPath: ca.planPath },
        'RabbitmqUntrustedCertificate',
      );
    if (/ACCESS_REFUSED|403/.test((error as Error).message))
      failNonRetryable(
        `${args.component} on ${at} (${endpoint}) refused the drill account "${args.username}" over AMQP: ${(error as Error).message}; check the plan's username and password reference and the account's permissions on virtual host ${args.vhost}`,
        'RabbitmqAuth',
      );
    throw serverLost(server, error, 'connecting for the canary');
  }
  const guard: Guard = guardClient(connection, server);
  const connectedMs = Date.now() - started;
  const certificate = tls ? tlsFacts(connection) : undefined;
  try {
    let channel: ConfirmChannel;
    let confirmedMs: number;
    try {
      channel = await connection.createConfirmChannel();
      guardClient(channel, server);
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-expires': QUEUE_EXPIRES_MS } });
      channel.sendToQueue(queue, Buffer.from(body), {
        persistent: true,
        messageId: key,
        contentType: 'application/json',
      });
      await channel.waitForConfirms();
      confirmedMs = Date.now() - started;
    } catch (error) {
      throw serverLost(guard, error, `publishing the canary to ${queue}`);
    }

    const api = await managementApi(input, site);
    const path = `/api/queues/${encodeURIComponent(args.vhost)}/${encodeURIComponent(queue)}/get`;
    // Confirmed means enqueued; the API reads the queue itself (not the sampled counts), so a few reads at most.
    const read = await pollFor(
      `the canary in ${queue} on ${at}`,
      5000,
      async () => api.post<{ payload?: string }[]>(path, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' }),
      (answer) => answer.status === 200 && Array.isArray(answer.body) && answer.body.length > 0,
    );
    const got = Array.isArray(read.last.body) ? read.last.body[0]?.payload : undefined;
    await channel.deleteQueue(queue).catch(() => undefined);
    const facts = {
      site,
      endpoint: server.endpoint,
      tls: certificate ?? false,
      ca: ca?.file,
      queue,
      canary: key,
      connectedMs,
      confirmedMs,
      roundTripMs: Date.now() - started,
      readBack: got === body,
    };
    if (got !== body)
      failRetryable(
        `${args.component} on ${at}: the canary published over ${url.protocol.replace(':', '')} and confirmed was ${got === undefined ? `not in ${queue} when read through the management API (HTTP ${read.last.status})` : `read back changed (${String(got).slice(0, 80)})`}`,
        'CanaryMissing',
        facts,
      );
    return {
      summary: `${args.component} on ${at}: canary published over ${tls ? `amqps (${String(certificate?.protocol)}, certificate ${String(certificate?.subject)} issued by ${String(certificate?.issuer)}, trusted through ${ca ? ca.file : 'the default CAs'})` : 'amqp'}, confirmed in ${confirmedMs} ms and read back through the management API in ${facts.roundTripMs} ms`,
      facts,
    };
  } finally {
    await closeWithin(() => connection.close());
  }
}
