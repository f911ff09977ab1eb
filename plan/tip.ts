/**
 * The plan's `tip:` block: per site the platform's base URL and API credentials (secret references
 * only), the request timeout, and per check `off` or its thresholds. The block's shape is checked
 * here; what each platform needs (ThreatConnect a token or an access id and secret key, OpenCTI a
 * token, MISP a key) is checked against the plan's `platform` by checkTip.
 */
import { z } from 'zod';
import { commandDriver, duration, secretRef, timeoutDuration, withinDuration } from '../kinds/kit/schema/fields';
import { refuseUrlCredentials } from '../kinds/kit/schema/url';
import { planErrorMap } from '../kinds/kit/schema/errorMap';
import { recoveryState, tipProtection, tipRecovery } from './tipRecovery';
import {
  RETIRED_THRESHOLDS,
  TIP_CHECK_IDS,
  TIP_CHECKS,
  TIP_RECOVERY_CHECKS,
  TIP_THRESHOLD_PLATFORMS,
  TIP_THRESHOLDS,
  TIP_TOTALS,
  type Platform,
  type TipPlatform,
  type TipProfile,
  type TipRecoveryCheckId,
  type TipSite,
  type TipThresholds,
} from '../domain';

/** A secret written inline is refused with what to write instead; a reference is checked as usual. */
const secret = (what: string) =>
  z.unknown().transform((value, ctx) => {
    if (typeof value === 'string' || typeof value === 'number') {
      ctx.addIssue({
        code: 'custom',
        message: `an inline ${what} is refused: write { env: VAR } or { file: PATH }, which the worker reads when the check runs`,
      });
      return z.NEVER;
    }
    const parsed = secretRef.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return parsed.data;
  });

const baseUrl = z
  .url({ protocol: /^https?$/, error: "expected the platform's base URL, http(s)://host[:port][/path]" })
  .superRefine((url, ctx) => refuseUrlCredentials(new URL(url), ctx))
  .transform((url) => url.replace(/\/+$/, ''));

const site = z.strictObject({
  url: baseUrl,
  /** OpenCTI's API/connector endpoint where it is not `url` (domain/tip.ts says which checks use which). */
  apiUrl: baseUrl.optional(),
  token: secret('API token').optional(),
  accessId: z
    .union([z.string().min(1), secretRef], {
      error: 'expected the access id, or a secret reference ({ env: VAR } or { file: PATH })',
    })
    .optional(),
  secretKey: secret('secret key').optional(),
  healthKey: secret('health access key').optional(),
  key: secret('API key').optional(),
  monitorsEnabled: z
    .strictObject({ command: commandDriver }, { error: 'expected { command: [...] } that prints true or false' })
    .optional(),
  serverName: z.string().min(1).optional(),
  recoveryState: recoveryState.optional(),
});

const thresholds = z.strictObject({
  minCount: z.number().int().min(0).optional(),
  total: z
    .enum(TIP_TOTALS, {
      error:
        'expected page (a restSearch page: "more than N", or exact below the page; X-Result-Count is no total since MISP 2.4.166) or statistics (the sum of /attributes/attributeStatistics/type: a real total, soft-deleted attributes included)',
    })
    .optional(),
  minRows: z.number().int().min(0).optional(),
  minActive: z.number().int().min(0).optional(),
  maxHeartbeatAge: duration.optional(),
  queues: z.array(z.string().min(1)).min(1).optional(),
  schedulerQueue: z.string().min(1).optional(),
  within: withinDuration.optional(),
});

/** `off`, or thresholds whose errors keep their own path (a union would say only that neither matched). */
const setting = z.unknown().transform((value, ctx): 'off' | z.output<typeof thresholds> => {
  if (value === 'off' || value === false) return 'off';
  if (typeof value !== 'object' || value === null) {
    ctx.addIssue({ code: 'custom', message: "expected off, or the check's thresholds as an object" });
    return z.NEVER;
  }
  const parsed = thresholds.safeParse(value, { error: planErrorMap });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

export const tipBlock = z.strictObject({
  primary: site,
  secondary: site,
  timeout: timeoutDuration.default(10_000),
  // Any name here: the platform's own list is checked below, so an unknown check is told what its platform has.
  checks: z.record(z.string(), setting).default({}) as z.ZodType<
    Partial<Record<(typeof TIP_CHECK_IDS)[number] | TipRecoveryCheckId, z.output<typeof setting>>>
  >,
  recovery: tipRecovery.optional(),
  protection: tipProtection.optional(),
});

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** The credentials each platform signs in with, and the fields only it takes. */
const PLATFORM_FIELDS: Record<Exclude<Platform, 'generic'>, readonly (keyof TipSite)[]> = {
  threatconnect: ['url', 'token', 'accessId', 'secretKey', 'monitorsEnabled', 'serverName', 'recoveryState'],
  opencti: ['url', 'apiUrl', 'token', 'healthKey', 'recoveryState'],
  misp: ['url', 'key', 'recoveryState'],
};

/** What the plan's platform asks of its `tip:` block. */
export function checkTip(plan: { platform: Platform; tip?: TipProfile }, ctx: IssueSink): void {
  const { platform, tip } = plan;
  if (platform === 'generic') {
    if (tip)
      ctx.addIssue({
        code: 'custom',
        path: ['tip'],
        message: 'platform generic has no TIP checks; remove tip, or name the platform (threatconnect, opencti, misp)',
      });
    return;
  }
  if (!tip) {
    ctx.addIssue({
      code: 'custom',
      path: ['tip'],
      message: `platform ${platform} needs a tip block: per site the platform's url and API credentials as { env: VAR } or { file: PATH } (${PLATFORM_FIELDS[platform].join(', ')}); or say platform: generic`,
    });
    return;
  }
  for (const role of ['primary', 'secondary'] as const) checkSite(platform, tip[role], ['tip', role], ctx);
  // The recovery-state checks (tip.recovery) take only `within`, as health does.
  const recoveryChecks: readonly string[] = TIP_RECOVERY_CHECKS[platform];
  const checks = [...TIP_CHECKS[platform], ...TIP_RECOVERY_CHECKS[platform]];
  for (const [id, value] of Object.entries(tip.checks)) {
    const check = (recoveryChecks.includes(id) ? 'health' : id) as (typeof TIP_CHECK_IDS)[number];
    if (!(checks as string[]).includes(id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tip', 'checks', id],
        message: `platform ${platform} has no check "${id}"; its checks are ${checks.join(', ')}`,
      });
      continue;
    }
    if (value === 'off' || value === undefined) continue;
    const allowed = TIP_THRESHOLDS[check].filter((key) => takes(platform, key));
    for (const key of Object.keys(value) as (keyof TipThresholds)[]) {
      if (allowed.includes(key)) continue;
      const only = TIP_THRESHOLD_PLATFORMS[key];
      const retired = RETIRED_THRESHOLDS[key];
      const message = retired
        ? `${key} is ${retired}`
        : only && TIP_THRESHOLDS[check].includes(key)
          ? `${key} is for platform ${only.join(', ')} only; check ${id} of ${platform} takes ${allowed.join(', ')}`
          : `check ${id} takes ${allowed.join(', ')}; not ${key}`;
      ctx.addIssue({ code: 'custom', path: ['tip', 'checks', id, key], message });
    }
  }
  if (platform === 'threatconnect' && tip.checks.jobs !== 'off') {
    for (const role of ['primary', 'secondary'] as const) {
      if (!tip[role].monitorsEnabled) {
        ctx.addIssue({
          code: 'custom',
          path: ['tip', role, 'monitorsEnabled'],
          message:
            'the jobs check reads monitorsEnabled on each app server: give { command: [...] } printing true or false, or switch it off with tip.checks.jobs: off',
        });
      }
    }
  }
}

/** A threshold some platforms only take (TIP_THRESHOLD_PLATFORMS). */
const takes = (platform: TipPlatform, key: keyof TipThresholds): boolean =>
  TIP_THRESHOLD_PLATFORMS[key]?.includes(platform) ?? true;

function checkSite(platform: Exclude<Platform, 'generic'>, tipSite: TipSite, path: string[], ctx: IssueSink): void {
  const fields = PLATFORM_FIELDS[platform];
  for (const key of Object.keys(tipSite) as (keyof TipSite)[]) {
    if (tipSite[key] !== undefined && !fields.includes(key))
      ctx.addIssue({
        code: 'custom',
        path: [...path, key],
        message: `platform ${platform} does not take ${key}; a site takes ${fields.join(', ')}`,
      });
  }
  const missing = (key: keyof TipSite, message: string) => {
    if (tipSite[key] === undefined) ctx.addIssue({ code: 'custom', path: [...path, key], message });
  };
  if (platform === 'threatconnect') {
    const hmac = tipSite.accessId !== undefined || tipSite.secretKey !== undefined;
    if (tipSite.token !== undefined && hmac)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'token'],
        message: 'expected either token or accessId with secretKey, not both',
      });
    else if (hmac) {
      missing('accessId', 'HMAC needs the access id beside secretKey');
      missing('secretKey', 'HMAC needs the secret key ({ env: VAR } or { file: PATH }) beside accessId');
    } else
      missing(
        'token',
        'expected the API credentials: token ({ env: VAR } or { file: PATH }), or accessId with secretKey for HMAC',
      );
  }
  if (platform === 'opencti') {
    missing('token', "expected the API user's bearer token as { env: VAR } or { file: PATH }");
    missing(
      'healthKey',
      'expected APP__HEALTH_ACCESS_KEY as { env: VAR } or { file: PATH } (the /health endpoint refuses a request without it)',
    );
  }
  if (platform === 'misp') missing('key', 'expected the API key as { env: VAR } or { file: PATH }');
}
