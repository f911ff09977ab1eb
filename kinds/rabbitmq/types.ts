/** What a validated plan says about a `rabbitmq` component (RabbitMQ per site); kinds/rabbitmq/schema.ts validates YAML into it. */
import type { SecretRef, ComponentBase, ProcessDrivers } from '../../domain/drivers';

export interface RabbitmqSite extends ProcessDrivers {
  /** The management HTTP API, e.g. http://mq-ams1:15672. */
  url: string;
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
