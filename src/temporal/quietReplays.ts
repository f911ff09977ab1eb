/**
 * Replays in a CLI process (`status`, `deployment describe`) check whether a history fits some code;
 * the SDK's own logs of it (a replay worker's state changes, the core's warning about the very
 * non-determinism being checked for) would only clutter the user's terminal: errors only there.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

let done = false;

export function quietReplays(): void {
  if (done) return;
  done = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // A runtime exists already (a worker in this process): its settings stand.
  }
}
