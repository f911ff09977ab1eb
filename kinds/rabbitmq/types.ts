/** What a validated plan says about a `rabbitmq` component (RabbitMQ per site); kinds/rabbitmq/schema.ts validates YAML into it. */
import type { SecretRef, ComponentBase, ProcessDrivers } from '../../domain/drivers';

/** Where a broker runs: RabbitMQ the operator runs, or Amazon MQ for RabbitMQ (TLS only, rebooted through its API). */
export const RABBITMQ_PROVIDERS = ['self-hosted', 'amazon-mq'] as const;
export type RabbitmqProvider = (typeof RABBITMQ_PROVIDERS)[number];

/** An Amazon MQ broker: what RebootBroker and DescribeBroker name. */
export interface AmazonMqBroker {
  id: string;
  region: string;
}

/** The CA bundle the clients trust for this broker's certificates (Amazon's root CAs for Amazon MQ). */
export interface RabbitmqTls {
  ca: { file: string };
}

export interface RabbitmqSite extends ProcessDrivers {
  /** The management HTTP API, e.g. http://mq-ams1:15672 or https://b-1234.mq.eu-west-1.amazonaws.com. */
  url: string;
  /** The AMQP endpoint the canary publishes through, e.g. amqps://b-1234.mq.eu-west-1.amazonaws.com:5671. */
  amqp?: string;
  /** amazon-mq: this site's broker, rebooted in the pre-reboot phase. */
  broker?: AmazonMqBroker;
}

/** Workloads of a `kubernetes` component that publish to the queues (connectors). */
export interface ProducerRef {
  kubernetes: string;
  workloads: string[];
}

/** One RabbitMQ per site; before a switch the producers stop and the platform's queues drain. */
export interface RabbitmqComponent extends ComponentBase {
  kind: 'rabbitmq';
  tier: 'database';
  provider: RabbitmqProvider;
  /** Every client (management API, AMQP) verifies the broker's certificate against this CA. */
  tls?: RabbitmqTls;
  /** Longest wait for a broker's reboot (RebootBroker) to leave RUNNING and come back. */
  rebootTimeout: number;
  username: string;
  password: SecretRef;
  vhost: string;
  /** The platform's queues: names matching this regular expression (all of the vhost when absent). */
  queues?: string;
  /** Drained means ready + unacknowledged at or under this, on every platform queue. */
  maxMessages: number;
  /** Longest wait for the queues to drain, connections to close, or consumers to come back. */
  waitTimeout: number;
  /** How often the management API refreshes its counts (collect_statistics_interval). */
  statsInterval: number;
  /** Users whose connections the fence closes (the platform, workers, connectors). */
  platformUsers: string[];
  /** Consumers the platform's queues need on the new side after a switch. */
  minConsumers: number;
  producers?: ProducerRef;
  primary: RabbitmqSite;
  secondary: RabbitmqSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    rabbitmq: RabbitmqComponent;
  }
}
