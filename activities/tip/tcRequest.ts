/**
 * One signed request to ThreatConnect's v3 API with any method and body (the profile's checks only
 * GET, in threatconnect.ts, through it too): HMAC over "<path and query as sent>:<METHOD>:<timestamp>" or a TC-Token,
 * exactly as tcHeaders signs them (FIELD-NOTES 15). Used by the version check (/v3/openApi) and the
 * protection steps (POST and DELETE /v3/indicators).
 */
import { createHmac } from 'node:crypto';
import type { TipCall } from './context';
import { tipFetch, type TipRequest, type TipResponse } from './request';
import { resolveSecret } from '../../kinds/kit/activities/secrets';
import type { SiteRole } from '../../domain';

/** The Authorization and Timestamp headers of one request, exactly as FIELD-NOTES 15 signs them. */
export function tcHeaders(
  credentials: { token: string } | { accessId: string; secretKey: string },
  method: string,
  pathAndQuery: string,
  now = Date.now(),
): Record<string, string> {
  if ('token' in credentials) return { Authorization: `TC-Token ${credentials.token}`, Accept: 'application/json' };
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', credentials.secretKey)
    .update(`${pathAndQuery}:${method}:${timestamp}`)
    .digest('base64');
  return { Timestamp: timestamp, Authorization: `TC ${credentials.accessId}:${signature}`, Accept: 'application/json' };
}

export async function tcRequest(
  call: TipCall,
  role: SiteRole,
  request: Omit<TipRequest, 'headers'>,
): Promise<TipResponse> {
  const site = call.args.sites[role];
  const where = `${call.stepId}.tip.${role}`;
  const secrets: string[] = [];
  const endpoint = call.endpoint(role, secrets);
  let credentials: { token: string } | { accessId: string; secretKey: string };
  if (site.token) credentials = { token: await resolveSecret(site.token, `${where}.token`) };
  else {
    const accessId =
      typeof site.accessId === 'string' ? site.accessId : await resolveSecret(site.accessId ?? {}, `${where}.accessId`);
    credentials = { accessId, secretKey: await resolveSecret(site.secretKey ?? {}, `${where}.secretKey`) };
  }
  secrets.push('token' in credentials ? credentials.token : credentials.secretKey);
  const sent = new URL(endpoint.baseUrl + request.path);
  const headers = {
    ...tcHeaders(credentials, request.method, sent.pathname + sent.search),
    ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
  };
  return tipFetch(endpoint, { ...request, headers });
}
