/** The two sites of a protected target: where it serves now and where it can fail over to. */
export type SiteRole = 'primary' | 'secondary';
export const SITE_ROLES: readonly SiteRole[] = ['primary', 'secondary'];
export const otherSite = (site: SiteRole): SiteRole => (site === 'primary' ? 'secondary' : 'primary');
