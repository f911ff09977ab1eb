/** What each platform does for the time-to-protection steps. */
import type { TipCall } from '../context';
import type { TestIndicator } from './indicator';
import type { SiteRole } from '../../../domain';

export interface ProtectionPlatform {
  /** Ids of this run's indicator on a site (none, or one; more if an earlier attempt raced). */
  find(call: TipCall, role: SiteRole, indicator: TestIndicator): Promise<string[]>;
  /** Creates it; returns its id. */
  create(call: TipCall, role: SiteRole, indicator: TestIndicator): Promise<string>;
  /** Whether the site serves it where consumers read it, and where that is. */
  served(call: TipCall, role: SiteRole, indicator: TestIndicator): Promise<{ served: boolean; where: string }>;
  remove(call: TipCall, role: SiteRole, id: string): Promise<void>;
}
