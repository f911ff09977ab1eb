/**
 * `kind: rabbitmq`: one RabbitMQ per site, driven through its management HTTP API. The drill
 * account (administrator or monitoring tag) reads queues and closes the platform users' connections.
 */
import { z } from 'zod';
import { driver, duration, secretRef, stepTuning } from '../kit/schema/fields';
import { httpUrl } from '../kit/schema/url';

const site = z.strictObject({
  /** The management API, e.g. http://mq-ams1:15672. */
  url: httpUrl('http://mq-ams1:15672', 'of the management API'),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
});

export const rabbitmqComponent = z.strictObject({
  kind: z.literal('rabbitmq'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  username: z.string().min(1),
  password: secretRef,
  vhost: z.string().min(1).default('/'),
  /** The platform's queues, as a regular expression over their names; every queue of the vhost when absent. */
  queues: z
    .string()
    .min(1)
    .refine((text) => {
      try {
        new RegExp(text);
        return true;
      } catch {
        return false;
      }
    }, 'expected a regular expression such as "^opencti\\\\."')
    .optional(),
  /** Drained: ready + unacknowledged at or under this on every platform queue. */
  maxMessages: z.number().int().min(0).default(0),
  /** Longest wait for the queues to drain, connections to close or consumers to come back. */
  waitTimeout: duration.default(120_000),
  /** collect_statistics_interval of the nodes: counts are only as fresh as this. */
  statsInterval: duration.default(5000),
  /** Users whose connections the fence closes on the old site. */
  platformUsers: z.array(z.string().min(1)).min(1, 'expected the users the platform, workers and connectors log in as'),
  /** Consumers every platform queue needs on the new site after a switch. */
  minConsumers: z.number().int().min(0).default(1),
  /** Workloads of a kubernetes component that publish to the queues (connectors): stopped before the drain. */
  producers: z
    .strictObject({
      kubernetes: z.string().min(1),
      workloads: z.array(z.string().min(1)).min(1, "expected the producers' workload names"),
    })
    .optional(),
  primary: site,
  secondary: site,
});
