/** AWS clients for the kinds of managed services (RDS, Auto Scaling, ELBv2, EFS, ElastiCache, the health file's ALB). */
import { defaultAwsClients, type AwsClients } from './clients';

export type { AwsClients } from './clients';

/** Clients are made at first use, so workers whose plans have no AWS component never need AWS settings. */
export function lazyAwsClients(given?: AwsClients): () => AwsClients {
  let clients = given;
  return () => (clients ??= defaultAwsClients());
}
