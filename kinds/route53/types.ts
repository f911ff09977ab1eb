/** What a validated plan says about a `route53` component (Route 53 records); kinds/route53/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

/** An alias record's target (an ALB, a CloudFront distribution): Route 53 answers with the target's addresses. */
export interface Route53Alias {
  /** The target's DNS name, e.g. misp-alb-123.eu-west-1.elb.amazonaws.com. */
  dnsName: string;
  /** The target's own hosted zone (the load balancer's CanonicalHostedZoneId), not the record's zone. */
  hostedZoneId: string;
  evaluateTargetHealth: boolean;
}

export interface Route53Site {
  values?: string[];
  /** Simple routing: an alias to this site's target instead of values (A or AAAA records). */
  alias?: Route53Alias;
  setIdentifier?: string;
  healthCheckId?: string;
}

export interface Route53Record {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  ttl: number;
}

export interface Route53Component extends ComponentBase {
  kind: 'route53';
  tier: 'traffic';
  hostedZoneId: string;
  record: Route53Record;
  routing: 'simple' | 'failover';
  primary: Route53Site;
  secondary: Route53Site;
  waitTimeout: number;
  pollInterval: number;
  /**
   * Failover routing: whether Route 53's own answer (TestDNSAnswer) can be read where the drill runs.
   * `unavailable` is the plan's word that it cannot (an endpoint without the operation); the drill
   * then relies on the record and health-check read-back alone and says so. Otherwise an endpoint
   * that does not answer the test fails the check.
   */
  answerTest: 'required' | 'unavailable';
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    route53: Route53Component;
  }
}
