/** Release versions compared as numbers (0.10.0 is after 0.9.0); a pre-release suffix is ignored. */
const versionParts = (version: string): number[] => version.split('-')[0].split('.').map(Number);

/** Whether `version` is `since` or later. */
export function atLeast(version: string, since: string): boolean {
  const [a, b] = [versionParts(version), versionParts(since)];
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Whether `version` comes before `than`. */
export const olderThan = (version: string, than: string): boolean => !atLeast(version, than);
