/** Schema pieces the MISP stack's component kinds share: tuning, waits, names of things on hosts and in AWS. */
import { z } from 'zod';
import { duration } from './fields';

export { stepTuning } from './fields';

/** How long a step may wait for what it changed to be seen, and how often it looks. */
export const waits = (waitTimeoutMs: number, pollIntervalMs: number) => ({
  waitTimeout: duration.default(waitTimeoutMs),
  pollInterval: duration.default(pollIntervalMs),
});

/** An argv prefix that runs a command on a site's host (`[ssh, -o, BatchMode=yes, misp-dc1]`). */
export const via = z
  .array(z.string().min(1))
  .min(1, 'expected the program that reaches the host, e.g. [ssh, misp-dc1]');

/**
 * A path on a host (relative ones are the worker's, from its working directory). Through `via`
 * (ssh joins its arguments into one shell line) only plain characters are safe, so the plan
 * refuses anything a remote shell would reinterpret.
 */
export const hostPath = z
  .string()
  .regex(
    /^[A-Za-z0-9_.@%+=:,/-]+$/,
    'expected a path of letters, digits and _.@%+=:,/- (no spaces or shell characters)',
  );

/** Through `via` a relative path would be the remote login's: the plan must say where. */
export function absoluteThroughVia(
  site: { path: string; via?: string[] },
  ctx: z.RefinementCtx,
  at: PropertyKey[],
): void {
  if (site.via && !site.path.startsWith('/'))
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'path'],
      message: "with via, give an absolute path: a relative one would be the remote login's",
    });
}

/** `/run/haproxy/admin.sock`, or `127.0.0.1:9999` for a TCP stats socket. */
export const runtimeApi = z
  .string()
  .regex(
    /^(\/\S+|(ipv4@)?[A-Za-z0-9.-]+:\d{1,5})$/,
    'expected the runtime API socket: a UNIX socket path such as /run/haproxy/admin.sock, or host:port',
  );

export { region } from './fields';

/** Server names as HAProxy writes them in its configuration. */
export const serverNames = z
  .array(z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'expected an HAProxy server name'))
  .min(1, 'expected at least one server of the backend');
