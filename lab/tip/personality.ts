/**
 * An API personality of the stand-in TIP app: the same site data (its tipStore) answered as
 * ThreatConnect's v3 REST API, OpenCTI's health endpoint and GraphQL, or MISP's REST API, with
 * each platform's authentication enforced. The TIPs themselves cannot run in the lab: this proves
 * the drill's clients speak those APIs as documented (paths, auth, shapes, failures), not that a
 * real platform answers the same.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiData } from './data';

export const PERSONALITY_NAMES = ['threatconnect', 'opencti', 'misp'] as const;
export type PersonalityName = (typeof PERSONALITY_NAMES)[number];

/** The credentials the personality accepts. */
export interface ApiCredentials {
  /** ThreatConnect HMAC access id. */
  accessId?: string;
  /** ThreatConnect: the HMAC secret key, also accepted as a TC-Token; OpenCTI: the bearer token; MISP: the API key. */
  secret: string;
  /** OpenCTI: the health access key. */
  healthKey?: string;
  /** MISP: the key is a site admin's (default true: the lab's drill user is one); false gets 403 on site-admin-only paths. */
  siteAdmin?: boolean;
  /** OpenCTI: the account's state refuses every call with this code although the token is right (OTP_REQUIRED, PASSWORD_CHANGE_REQUIRED…). */
  refusal?: string;
  /** OpenCTI: the capabilities of the token's user (default all); a query needing another gets FORBIDDEN_ACCESS. */
  capabilities?: string[];
}

export interface ApiContext {
  /** The server's name: job executions, workers and connectors carry it. */
  site: string;
  data: ApiData;
  /** This server runs jobs (ThreatConnect monitorsEnabled; OpenCTI's connector heartbeats; MISP's scheduler worker). */
  monitorsEnabled: boolean;
  startedAt: Date;
  lastJobRunAt(): Date | undefined;
  credentials: ApiCredentials;
  /** The release to answer as (`--version`, versions.ts); its default when absent. */
  version?: string;
  /** The release this stand-in answers as (the recovery-state checks compare it across sites); the personality's own when absent. */
  release?: string;
  /** MISP: the instance UUID getVersion answers (a DR copy keeps it). */
  instanceUuid?: string;
}

export interface ApiRequest {
  method: string;
  url: URL;
  /** The path and query exactly as received (what a ThreatConnect signature covers). */
  rawPath: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ApiReply {
  status: number;
  body: unknown;
  /** application/json unless said. */
  type?: string;
  headers?: Record<string, string>;
}

/** Answers the requests of its API, or undefined for a path it does not know. */
export type ApiHandler = (request: ApiRequest) => Promise<ApiReply | undefined>;

/** A sign-in page, as an SSO proxy in front of the API answers when it does not let the call through. */
export const LOGIN_PAGE: ApiReply = {
  status: 200,
  type: 'text/html; charset=utf-8',
  body: '<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login" method="post"><input name="username"><input name="password" type="password"></form></body></html>',
};

export const header = (request: ApiRequest, name: string): string | undefined => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};
