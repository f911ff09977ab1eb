/**
 * What `status` says about a drill no worker answered for: which build it is pinned to, whether a
 * worker of that build polls, and what happens next (a newer build adopts it, or it needs its own
 * build, and the one command that serves it).
 */
import { serveCommand } from './adoption';
import { currentBuild } from './temporal/buildId';
import { pollerSilenceMs, type Serving } from './temporal/placement';

export function servingNote(serving: Serving | undefined, replaysHere: boolean | undefined): string {
  if (!serving) return 'it goes on when a worker is back';
  const { drill, served, polling } = serving;
  const silence = `${Math.round(pollerSilenceMs() / 1000)} s`;
  if (!drill.pinnedTo)
    return served
      ? 'a worker polls its task queue but did not answer in time; it goes on when one does'
      : 'it goes on when a worker is back';
  const pinned = `pinned to build ${drill.pinnedTo}`;
  if (served)
    return `${pinned}, whose worker polled within ${silence} (it may have just stopped): it goes on when a worker of build ${drill.pinnedTo} answers, or, if none is back, a newer build adopts it`;
  const others = polling.length
    ? `workers of build ${polling.join(', ')} poll`
    : `no worker of any build polled its task queue in the last ${silence}`;
  const needs = `it needs build ${drill.pinnedTo}: \`${serveCommand(drill.pinnedTo)}\` serves it`;
  const here = currentBuild().buildId;
  if (replaysHere === false)
    return `${pinned}, which no worker has polled for ${silence} (${others}); its history does not replay on build ${here}, so ${needs}`;
  if (polling.includes(here) && replaysHere)
    return `${pinned}, which no worker has polled for ${silence} (${others}); its history replays on build ${here}, whose workers adopt it at their next look (every minute)`;
  return `${pinned}, which no worker has polled for ${silence} (${others}): a newer build's worker adopts it if its history replays there; else ${needs}`;
}
