/** What a plan says it drills: a TIP whose profile it checks, or any stack (`generic`). */
export const PLATFORMS = ['threatconnect', 'opencti', 'misp', 'generic'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The platforms with a TIP profile. */
export type TipPlatform = Exclude<Platform, 'generic'>;
