/**
 * `kind: rabbitmq`: one RabbitMQ per site, driven through its management HTTP API. The drill
 * account (administrator or monitoring tag) reads queues and closes the platform users' connections.
 * `provider: amazon-mq` is Amazon MQ for RabbitMQ: TLS only (amqps, the management API over https,
 * `tls: { ca }` naming the CA bundle), each site's broker rebooted through the Amazon MQ API.
 */
import { z } from 'zod';
import { driver, duration, secretRef, stepTuning } from '../kit/schema/fields';
import { httpUrl, refuseUrlCredentials } from '../kit/schema/url';
import { RABBITMQ_PROVIDERS } from './types';

const AMQP_EXPECTED =
  'expected an absolute amqp(s) URL with a host, such as amqps://b-1234.mq.eu-west-1.amazonaws.com:5671';
const amqpUrl = z.string({ error: AMQP_EXPECTED }).superRefine((text, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['amqp:', 'amqps:'].includes(url.protocol) || !url.hostname) {
    ctx.addIssue({ code: 'custom', message: `${AMQP_EXPECTED}; got "${text}"` });
    return;
  }
  refuseUrlCredentials(url, ctx);
});

const site = z.strictObject({
  /** The management API, e.g. http://mq-ams1:15672 (Amazon MQ: https://b-<id>.mq.<region>.amazonaws.com). */
  url: httpUrl('http://mq-ams1:15672', 'of the management API'),
  /** The AMQP endpoint the canary goes through (Amazon MQ: amqps://b-<id>.mq.<region>.amazonaws.com:5671). */
  amqp: amqpUrl.optional(),
  /** amazon-mq: the site's broker, rebooted (RebootBroker) in the pre-reboot phase. */
  broker: z
    .strictObject({
      id: z
        .string()
        .regex(
          /^b-[A-Za-z0-9-]{8,64}$/,
          'expected an Amazon MQ broker id such as b-1234abcd-56ef-78ab-90cd-1234567890ab',
        ),
      region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1'),
    })
    .optional(),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
});
type Site = z.infer<typeof site>;

const tls = z.strictObject({
  /** The CA bundle (PEM) the clients trust: Amazon's root CAs for Amazon MQ, the lab CA in tests. */
  ca: z.strictObject({ file: z.string().min(1) }, { error: 'expected the CA bundle as { file: PATH } (a PEM file)' }),
});

export const rabbitmqComponent = z
  .strictObject({
    kind: z.literal('rabbitmq'),
    tier: z.literal('database').default('database'),
    description: z.string().optional(),
    /** self-hosted (the default) or amazon-mq (Amazon MQ for RabbitMQ: TLS only, rebooted through its API). */
    provider: z.enum(RABBITMQ_PROVIDERS).default('self-hosted'),
    /** The CA every client verifies the brokers' certificates with; the URLs must then be https and amqps. */
    tls: tls.optional(),
    /** Longest wait for a broker's reboot to leave RUNNING and come back (Amazon MQ takes minutes). */
    rebootTimeout: duration.default(1_800_000),
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
    platformUsers: z
      .array(z.string().min(1))
      .min(1, 'expected the users the platform, workers and connectors log in as'),
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
  })
  .superRefine((c, ctx) => {
    const amazon = c.provider === 'amazon-mq';
    if (amazon && !c.tls)
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message:
          "Amazon MQ accepts TLS only (amqps, the management API over https): expected tls: { ca: { file: PATH } } naming the CA bundle (Amazon's root CAs)",
      });
    for (const role of ['primary', 'secondary'] as const)
      checkSite(c[role], role, { amazon, tls: Boolean(c.tls) }, ctx);
  });

/** A tls block or Amazon MQ means every URL is TLS; a broker belongs to Amazon MQ and replaces a reboot driver. */
function checkSite(s: Site, role: string, on: { amazon: boolean; tls: boolean }, ctx: z.RefinementCtx): void {
  const why = on.amazon ? 'Amazon MQ accepts TLS only' : 'the component has a tls block';
  if ((on.amazon || on.tls) && s.url.startsWith('http:'))
    ctx.addIssue({
      code: 'custom',
      path: [role, 'url'],
      message: `${why}: expected the management API over https, such as https://b-1234.mq.eu-west-1.amazonaws.com; got "${s.url}"`,
    });
  if ((on.amazon || on.tls) && s.amqp?.startsWith('amqp:'))
    ctx.addIssue({
      code: 'custom',
      path: [role, 'amqp'],
      message: `${why}: expected an amqps URL, such as amqps://b-1234.mq.eu-west-1.amazonaws.com:5671; got "${s.amqp}"`,
    });
  if (s.broker && !on.amazon)
    ctx.addIssue({
      code: 'custom',
      path: [role, 'broker'],
      message: "a broker id is Amazon MQ's: expected provider: amazon-mq with it, or no broker",
    });
  if (s.broker && s.reboot)
    ctx.addIssue({
      code: 'custom',
      path: [role, 'reboot'],
      message:
        "this site's broker is rebooted through the Amazon MQ API (RebootBroker): expected either broker or reboot, not both",
    });
  if (on.amazon && (s.stop || s.start))
    ctx.addIssue({
      code: 'custom',
      path: [role, s.stop ? 'stop' : 'start'],
      message:
        'Amazon MQ has no shell and cannot be stopped or started: expected no stop or start driver (its reboot is broker: { id, region })',
    });
}
