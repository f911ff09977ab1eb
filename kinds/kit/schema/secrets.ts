/**
 * Which names hold secrets. A value under such a name written inline in a plan would travel into the
 * drill's Temporal history and its report; the plan must say where the worker finds it instead.
 */
import { z } from 'zod';

export const SECRET_HINT = 'write { env: VAR } or { file: PATH }';

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey)$|-token$|-key$|-secret$/i;
// Names that hold secrets in the tools drills call (DB_PASSWORD, REDISCLI_AUTH, AWS_SECRET_ACCESS_KEY,
// MYSQL_PWD, RABBITMQ_DEFAULT_PASS, RABBITMQ_ERLANG_COOKIE, SSHPASS); PGPASSFILE, a path to one, and
// PWD, the working folder, are not matched.
const SECRET_ENV = /PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|KEY|AUTH|CREDENTIAL|COOKIE|_PWD$|(^|_)PASS(_|$)|^SSHPASS$/i;
// Query parameters that carry a credential: OpenCTI's health_access_key, token, access_token, api_key,
// apikey, key, password, secret, client_secret, and a pre-signed URL's X-Amz-Signature/-Credential.
const SECRET_QUERY =
  /(^|[_.-])(key|apikey|token|secret|password|passwd|pwd|pass|auth|authkey|signature|sig|credential|session|sessionid)$/i;

export const SECRET_NAMES = {
  header: { test: (name: string) => SECRET_HEADER.test(name), what: 'header' },
  env: { test: (name: string) => SECRET_ENV.test(name), what: 'environment variable' },
  query: { test: (name: string) => SECRET_QUERY.test(name), what: 'query parameter' },
} as const;

/**
 * A map of names to plain strings or secret references (headers, a command's env) that refuses an
 * inline string under a secret's name, naming the entry.
 */
export function secretAwareMap<V extends z.ZodType>(kind: keyof typeof SECRET_NAMES, value: V) {
  const rule = SECRET_NAMES[kind];
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const [name, entry] of Object.entries(map)) {
      if (typeof entry === 'string' && rule.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `the ${rule.what} ${name} holds a secret, which a plan never writes inline (it would be kept in the drill's history): ${SECRET_HINT}`,
        });
      }
    }
  });
}
