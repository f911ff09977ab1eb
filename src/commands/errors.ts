/** Wrong words on the command line: exit 2 like a bad plan, nothing started. */
export class UsageError extends Error {
  override name = 'UsageError';
}
