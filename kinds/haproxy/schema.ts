/**
 * `kind: haproxy`: an HAProxy backend with each site's servers, the traffic switch of sites that are
 * not on AWS. The drill drives the runtime API (`stats socket ... level admin`): drain, maintenance,
 * ready, and waits for the backend's checks to see the change.
 */
import { z } from 'zod';
import { duration } from '../kit/schema/fields';
import { runtimeApi, serverNames, stepTuning, waits } from '../kit/schema/stackFields';

const site = z.strictObject({ servers: serverNames });

export const haproxyComponent = z
  .strictObject({
    kind: z.literal('haproxy'),
    tier: z.literal('traffic').default('traffic'),
    description: z.string().optional(),
    ...stepTuning,
    socket: runtimeApi,
    backend: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'expected the backend name as in haproxy.cfg'),
    /** maint stops the checks of a site taken out; drain keeps them (an lbHealthFile on the same servers needs them). */
    takeOut: z.enum(['maint', 'drain']).default('maint'),
    drainTimeout: duration.default(60_000),
    ...waits(120_000, 500),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    const shared = component.primary.servers.filter((s) => component.secondary.servers.includes(s));
    if (shared.length)
      ctx.addIssue({
        code: 'custom',
        path: ['secondary', 'servers'],
        message: `server ${shared.join(', ')} is listed for both sites; each server belongs to one site`,
      });
  });
