/**
 * The stand-in OpenCTI site's data path, run only while its Deployments have ready pods: a
 * connector that publishes indicators to the site's RabbitMQ (opencti-connector-import), workers
 * that consume them (one consumer per ready opencti-worker pod, while opencti-worker-platform is
 * ready) and write each to the site's OpenSearch and the site's Redis stream, then acknowledge. A
 * write that fails (a read-only Redis replica, OpenSearch down) is not acknowledged: the message
 * goes back to the queue, as OpenCTI's worker retries it.
 */
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Client as SearchClient } from '@opensearch-project/opensearch';

export const PUSH_QUEUE = 'opencti.push.connector-import';
export const INDICATOR_INDEX = 'opencti_indicators';
/** The stand-in connector's own queues, `listen_<id>` and `push_<id>` as OpenCTI registers them (its id: the personality's connector). */
export const CONNECTOR_QUEUES = ['listen_connector-import-file-stix', 'push_connector-import-file-stix'];
export const REDIS_STREAM = 'stream.opencti';

export interface RedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface PipelineDeps {
  site: string;
  amqpUrl: string;
  search: SearchClient;
  redis: () => Promise<RedisLike | undefined>;
  log: (line: string) => void;
}

export interface PipelineCounts {
  published: number;
  consumed: number;
  failed: number;
  consumers: number;
  connector: boolean;
}

export class Pipeline {
  readonly counts: PipelineCounts = { published: 0, consumed: 0, failed: 0, consumers: 0, connector: false };
  private workerConnection?: ChannelModel;
  private workerChannels: Channel[] = [];
  private connectorConnection?: ChannelModel;
  private connectorChannel?: Channel;
  private publishTimer?: NodeJS.Timeout;

  constructor(private readonly deps: PipelineDeps) {}

  /** Brings the workers and the connector to what the ready pods say; called on every tick. */
  async reconcile(wanted: { consumers: number; connector: boolean }): Promise<void> {
    await this.workers(wanted.consumers);
    await this.connector(wanted.connector);
  }

  async stop(): Promise<void> {
    await this.workers(0);
    await this.connector(false);
  }

  private async connect(): Promise<ChannelModel> {
    const connection = await amqp.connect(this.deps.amqpUrl, {
      clientProperties: { connection_name: `opencti-${this.deps.site}` },
    });
    connection.on('error', () => undefined);
    return connection;
  }

  private async workers(wanted: number): Promise<void> {
    if (wanted === 0 && this.workerConnection) {
      await this.workerConnection.close().catch(() => undefined);
    }
    if (wanted === 0) {
      this.workerConnection = undefined;
      this.workerChannels = [];
      this.counts.consumers = 0;
      return;
    }
    if (!this.workerConnection) {
      const connection = await this.connect();
      connection.on('close', () => {
        // Closed under us (a fence, a broker restart): the next tick connects again if pods still run.
        if (this.workerConnection === connection) {
          this.workerConnection = undefined;
          this.workerChannels = [];
          this.counts.consumers = 0;
        }
      });
      this.workerConnection = connection;
    }
    while (this.workerChannels.length < wanted) this.workerChannels.push(await this.consumer(this.workerConnection));
    while (this.workerChannels.length > wanted)
      await this.workerChannels
        .pop()
        ?.close()
        .catch(() => undefined);
    this.counts.consumers = this.workerChannels.length;
  }

  private async consumer(connection: ChannelModel): Promise<Channel> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertQueue(PUSH_QUEUE, { durable: true });
    await channel.prefetch(1);
    await channel.consume(PUSH_QUEUE, (message) => {
      if (!message) return;
      this.ingest(message.content.toString('utf8')).then(
        () => {
          this.counts.consumed += 1;
          channel.ack(message);
        },
        (error: Error) => {
          this.counts.failed += 1;
          this.deps.log(`worker: ${error.message}; message returned to the queue`);
          // A second before it comes back, so a read-only store is not hammered.
          setTimeout(() => channel.nack(message, false, true), 1000);
        },
      );
    });
    return channel;
  }

  /** What an OpenCTI worker does with a bundle: store it (OpenSearch) and tell the live stream (Redis). */
  private async ingest(text: string): Promise<void> {
    const indicator = JSON.parse(text) as { id: string; value: string; createdAt: string };
    const redis = await this.deps.redis();
    if (!redis) throw new Error('Redis does not answer');
    await redis.sendCommand([
      'XADD',
      REDIS_STREAM,
      'MAXLEN',
      '~',
      '10000',
      '*',
      'id',
      indicator.id,
      'value',
      indicator.value,
      'site',
      this.deps.site,
    ]);
    await this.deps.search.index({
      index: INDICATOR_INDEX,
      id: indicator.id,
      body: { ...indicator, ingestedAt: new Date().toISOString(), ingestedBy: this.deps.site },
    });
  }

  private async connector(wanted: boolean): Promise<void> {
    this.counts.connector = wanted && Boolean(this.connectorChannel);
    if (!wanted) {
      clearInterval(this.publishTimer);
      this.publishTimer = undefined;
      await this.connectorConnection?.close().catch(() => undefined);
      this.connectorConnection = undefined;
      this.connectorChannel = undefined;
      return;
    }
    if (this.connectorConnection) return;
    const connection = await this.connect();
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertQueue(PUSH_QUEUE, { durable: true });
    // Registering, the connector gets its own queues as OpenCTI names them (rabbitmq.js registerConnectorQueues).
    for (const queue of CONNECTOR_QUEUES) await channel.assertQueue(queue, { durable: true });
    connection.on('close', () => {
      if (this.connectorConnection !== connection) return;
      clearInterval(this.publishTimer);
      this.publishTimer = undefined;
      this.connectorConnection = undefined;
      this.connectorChannel = undefined;
    });
    this.connectorConnection = connection;
    this.connectorChannel = channel;
    this.counts.connector = true;
    // One indicator a second: enough for the queues to have something in flight during a switch.
    this.publishTimer = setInterval(() => {
      const n = this.counts.published + 1;
      const indicator = { id: randomUUID(), value: `198.51.100.${n % 250}`, createdAt: new Date().toISOString() };
      if (
        this.connectorChannel?.sendToQueue(PUSH_QUEUE, Buffer.from(JSON.stringify(indicator)), {
          persistent: true,
          contentType: 'application/json',
        })
      )
        this.counts.published = n;
    }, 1000);
  }
}
