/** What every switching step knows about the switch it belongs to, whatever its kind. */
import type { SiteRole } from '../sites';

/** What every data-tier step knows about the switch it belongs to. */
export type SwitchArgs = {
  /** Site names for the sentences the report shows ("dc2-db"). */
  siteNames: Record<SiteRole, string>;
  /** The switch this step belongs to: from the side that writes now to the side that will. */
  from: SiteRole;
  to: SiteRole;
  /** A planned switchover (drill, failback) or a real outage (failover mode). */
  planned: boolean;
  /** The plan's RPO objective: a planned switch refuses to start with more lag than this. */
  rpoMs?: number;
  /** Names the canary row or document of this switch, together with the drill id. */
  canary: string;
  /** The component's name in the plan, for sentences. */
  component: string;
};

export type SqlEndpoint = { host: string; port: number };
