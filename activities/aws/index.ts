/** The AWS managed services of the MISP stack (RDS, Auto Scaling, ELBv2, EFS) as step drivers over one set of clients. */
import { createAsgActivities } from './autoscaling';
import { defaultAwsClients, type AwsClients } from './clients';
import { createEfsActivities } from './efs';
import { createElbv2Activities } from './elbv2';
import { createRdsActivities } from './rds';
import type { StepDrivers } from '../types';
import type { AsgAction, EfsAction, Elbv2Action, RdsAction } from '../../domain';

export type { AwsClients } from './clients';

/** Clients are made at first use, so workers whose plans have no AWS component never need AWS settings. */
export function lazyAwsClients(given?: AwsClients): () => AwsClients {
  let clients = given;
  return () => (clients ??= defaultAwsClients());
}

export function createAwsActivities(deps: { aws: () => AwsClients }): StepDrivers<RdsAction | AsgAction | Elbv2Action | EfsAction> {
  return { ...createRdsActivities(deps), ...createAsgActivities(deps), ...createElbv2Activities(deps), ...createEfsActivities(deps) };
}
