/** Reading an ALB/NLB target group's health: which targets are healthy, as the load balancer says. */
import { DescribeTargetHealthCommand, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from './clients';
import { regionOfArn } from './clients';
import { aws } from './errors';

export interface TargetState {
  id: string;
  port?: number;
  /** initial, healthy, unhealthy, unhealthy.draining, unused, draining, unavailable */
  state: string;
  reason?: string;
}

export async function targetHealth(
  clients: AwsClients,
  targetGroupArn: string,
  region?: string,
  targets?: { id: string; port?: number }[],
): Promise<TargetState[]> {
  const client = clients.elbv2(region ?? regionOfArn(targetGroupArn));
  const answer = await aws(
    `target group ${targetGroupArn}`,
    () =>
      client.send(
        new DescribeTargetHealthCommand({
          TargetGroupArn: targetGroupArn,
          Targets: targets?.map((t) => ({ Id: t.id, Port: t.port })),
        }),
      ),
    "check the plan's targetGroupArn (and region) against the load balancer",
  );
  return (answer.TargetHealthDescriptions ?? []).map((d: TargetHealthDescription) => ({
    id: d.Target?.Id ?? '?',
    port: d.Target?.Port,
    state: d.TargetHealth?.State ?? 'unknown',
    reason: d.TargetHealth?.Reason,
  }));
}

export const isHealthy = (t: TargetState): boolean => t.state === 'healthy';
/** Not sent traffic: failing checks, draining, not registered, or in a zone the load balancer does not serve. */
export const isOutOfService = (t: TargetState): boolean =>
  ['unhealthy', 'unhealthy.draining', 'unused', 'draining', 'unavailable'].includes(t.state);
export const describeTargets = (targets: TargetState[]): string =>
  targets.map((t) => `${t.id}${t.port ? `:${t.port}` : ''} ${t.state}${t.reason ? ` (${t.reason})` : ''}`).join(', ') ||
  'no targets';
