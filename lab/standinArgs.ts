/**
 * The stand-in app's own flags (standinApp.ts) and what it accepts of them, in one place: appctl
 * passes them through to the app it starts, so it refuses the same wrong ones before starting it.
 */
import { oneOf } from '../src/commandLine';
import { UsageError } from '../src/commands/errors';
import { PERSONALITY_NAMES, releaseOf, type PersonalityName } from './tip';

const text = { type: 'string' } as const;
export const STANDIN_APP_OPTIONS = {
  db: text,
  'db-user': text,
  'db-password-file': text,
  'db-name': text,
  monitors: text,
  webroot: text,
  personality: text,
  'secret-file': text,
  'access-id': text,
  'health-key-file': text,
  version: text,
  release: text,
  'instance-uuid': text,
  'key-role': text,
};

export type StandinAppFlags = Partial<Record<keyof typeof STANDIN_APP_OPTIONS, string>>;

/** The flags' values the app would refuse, refused here: the values it understands. */
export function checkStandinAppFlags(
  program: string,
  flags: StandinAppFlags,
): { monitorsEnabled: boolean; siteAdmin: boolean; personality?: { name: PersonalityName; secretFile: string } } {
  const monitorsEnabled = oneOf(program, flags.monitors ?? 'on', 'monitors', ['on', 'off']) === 'on';
  const siteAdmin =
    oneOf(program, flags['key-role'] ?? 'site-admin', 'key-role', ['site-admin', 'user']) === 'site-admin';
  if (flags.personality === undefined) return { monitorsEnabled, siteAdmin };
  const personality = oneOf(program, flags.personality, 'personality', PERSONALITY_NAMES);
  const secretFile = flags['secret-file'];
  if (!secretFile)
    throw new UsageError(`${program}: --personality needs --secret-file (the API secret key, token or key it accepts)`);
  // Parsed now, so a release the stand-in does not know stops the start with its reason.
  if (flags.version !== undefined) {
    try {
      releaseOf(personality, flags.version);
    } catch (error) {
      throw new UsageError(`${program}: ${(error as Error).message}`);
    }
  }
  return { monitorsEnabled, siteAdmin, personality: { name: personality, secretFile } };
}
