/**
 * Slack settings from the environment. Tokens and the signing secret come from NAME or NAME_FILE
 * (a mounted secret); they never appear in plans, workflow histories or logs.
 */
import { readFileSync } from 'node:fs';
import { LogLevel, WebClient } from '@slack/web-api';

export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8').trim();
  return env[name] || undefined;
}

/**
 * A Web API client, or undefined when no bot token is set (Slack is optional). No retries inside
 * the client: the notify activity's Temporal retries take over, and a Slack outage must not hold a
 * step up for the client's default half hour of retries.
 */
export function slackWebClient(env: NodeJS.ProcessEnv = process.env): WebClient | undefined {
  const token = secretFromEnv('SLACK_BOT_TOKEN', env);
  if (!token) return undefined;
  return newSlackClient(token, env.SLACK_API_URL);
}

export function newSlackClient(token: string, slackApiUrl?: string): WebClient {
  return new WebClient(token, {
    slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
}
