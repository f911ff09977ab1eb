/**
 * `kind: kubernetes`: the platform's workloads on one cluster per site, listed in start order (e.g.
 * worker-platform, workers, the user-facing platform, connectors last); a stop walks them in reverse.
 */
import { z } from 'zod';
import { duration, stepTuning } from '../kit/schema/fields';

const dnsName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
    'expected a Kubernetes object name (lower-case letters, digits, - and .)',
  );

const workload = z.strictObject({
  kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
  name: dnsName,
  /** Replicas to start with when the workload remembers none (a standby kept at 0 on the secondary). */
  replicas: z.number().int().min(1).max(1000).optional(),
});

const site = z.strictObject({
  /** Path of the kubeconfig file this site's cluster is reached with; the worker reads it at the moment of use. */
  kubeconfig: z.string().min(1),
  /** A context in that file; its current context when absent. */
  context: z.string().min(1).optional(),
  namespace: dnsName,
});

export const kubernetesComponent = z
  .strictObject({
    kind: z.literal('kubernetes'),
    tier: z.literal('app').default('app'),
    description: z.string().optional(),
    ...stepTuning,
    workloads: z.array(workload).min(1, 'expected at least one workload, in start order'),
    /** Longest wait for one workload's rollout to complete, or its pods to go after a scale to 0. */
    rolloutTimeout: duration.default(5 * 60_000),
    primary: site,
    secondary: site,
  })
  .superRefine((component, ctx) => {
    const seen = new Set<string>();
    component.workloads.forEach((w, index) => {
      const key = `${w.kind}/${w.name}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['workloads', index, 'name'], message: `${key} is listed twice` });
      seen.add(key);
    });
  });
