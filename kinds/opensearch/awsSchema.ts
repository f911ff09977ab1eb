/**
 * What a cluster per site refuses when its sites are Amazon OpenSearch Service domains (`aws`):
 * basic auth beside SigV4, one site signed and the other not, plain HTTP, OpenSearch Serverless (no snapshots),
 * a site without the S3 repository and role Amazon OpenSearch needs to register it, and the
 * self-hosted `snapshot.register` it would ignore. Each refusal names the field.
 */
import type { IssueSink } from '../kit/schema/references';
import type { SiteRole } from '../../domain/sites';

interface Shape {
  username?: string;
  password?: unknown;
  snapshot: { register?: unknown };
  primary: { url: string; aws?: { service: string }; s3Repository?: unknown };
  secondary: { url: string; aws?: { service: string }; s3Repository?: unknown };
}

const ROLES: SiteRole[] = ['primary', 'secondary'];

export function refuseAwsConflicts(component: Shape, ctx: IssueSink): void {
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const signed = ROLES.filter((role) => component[role].aws);
  for (const role of ROLES) {
    if (!component[role].aws && component[role].s3Repository)
      add(
        [role, 's3Repository'],
        `an S3 repository with a role ARN is Amazon OpenSearch Service's; give ${role}.aws { region } too, or register a self-hosted cluster's repository with snapshot.register`,
      );
  }
  if (!signed.length) return;
  for (const role of ROLES) {
    if (!component[role].aws)
      add(
        [role, 'aws'],
        `is required because ${signed[0]}.aws signs with SigV4: both sites are Amazon OpenSearch Service domains ({ region, service: es }) or neither is`,
      );
  }
  for (const key of ['username', 'password'] as const) {
    if (component[key] !== undefined)
      add(
        [key],
        `basic auth and SigV4 signing are exclusive: ${signed.map((r) => `${r}.aws`).join(' and ')} sign every request with the worker's AWS credentials (its default credential chain); remove username and password, or the sites' aws blocks`,
      );
  }
  for (const role of signed) {
    if (!component[role].url.startsWith('https://'))
      add(
        [role, 'url'],
        `an Amazon OpenSearch Service domain takes signed requests over HTTPS: expected its https:// endpoint, such as https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com, got "${component[role].url}"`,
      );
    if (component[role].aws?.service === 'aoss')
      add(
        [role, 'aws', 'service'],
        'OpenSearch Serverless (aoss) has no snapshot, restore or cluster health API, which a cluster per site moves its data with; expected es (a managed domain)',
      );
    if (!component[role].s3Repository)
      add(
        [role, 's3Repository'],
        'is required for an Amazon OpenSearch Service site: the drill registers the snapshot repository there (writable where it snapshots, read-only where it restores) as { bucket, region, roleArn, basePath? }, roleArn being the role Amazon OpenSearch assumes to reach the bucket',
      );
  }
  if (component.snapshot.register !== undefined)
    add(
      ['snapshot', 'register'],
      `Amazon OpenSearch Service sites register an s3 repository from each site's s3Repository (bucket, region, roleArn); remove register`,
    );
}
