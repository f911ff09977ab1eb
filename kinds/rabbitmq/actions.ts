/** Step arguments of the rabbitmq* activities: one RabbitMQ per site, driven through its management API. */
import type { SecretRef } from '../../domain/drivers';
import type { SiteRole } from '../../domain/sites';
import type { SwitchArgs } from '../../domain/actions/switch';
import type { AmazonMqBroker, RabbitmqTls } from './types';

export const RABBITMQ_ACTIONS = [
  'rabbitmqHealth',
  'rabbitmqDrain',
  'rabbitmqFence',
  'rabbitmqConsumers',
  'rabbitmqCanary',
  'rabbitmqRebootBroker',
  'rabbitmqAwaitReturn',
  'rabbitmqRedeclare',
  'rabbitmqQueuesPresent',
] as const;
export type RabbitmqAction = (typeof RABBITMQ_ACTIONS)[number];

export type RabbitmqArgs = SwitchArgs & {
  /** The management API; the AMQP endpoint (canary) and the Amazon MQ broker (reboot) where the plan names them. */
  sites: Record<SiteRole, { url: string; amqp?: string; broker?: AmazonMqBroker }>;
  /** The CA every client verifies the broker's certificate against. */
  tls?: RabbitmqTls;
  /** rabbitmqRebootBroker: longest wait for the broker to leave RUNNING and come back. */
  rebootTimeoutMs?: number;
  username: string;
  password: SecretRef;
  vhost: string;
  /** A regular expression for the platform's queue names; every queue of the vhost when absent. */
  queues?: string;
  maxMessages: number;
  waitTimeoutMs: number;
  statsIntervalMs: number;
  platformUsers: string[];
  minConsumers: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<RabbitmqAction, RabbitmqArgs> {}
}
