/** `drillbook slack serve` (HTTP Request URL) and `drillbook slack socket` (Socket Mode): Slack approvals. */
import path from 'node:path';
import type { Command } from 'commander';
import { defaultAuditDir } from '../../store/auditTrail';
import { dataDir } from '../../store/config';
import { slackAuditor } from '../slack/audit';
import { handleInteraction, type InteractionDeps } from '../slack/interactions';
import { createSlackServer, INTERACTIONS_PATH } from '../slack/server';
import { secretFromEnv, slackWebClient } from '../slack/settings';
import { startSocketMode } from '../slack/socket';
import { connectClient } from '../temporal/connect';
import { UsageError } from './errors';

const log = (message: string): void => console.log(`${new Date().toISOString()} ${message}`);

async function interactionDeps(): Promise<InteractionDeps> {
  const web = slackWebClient();
  if (!web)
    throw new UsageError('set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE (the bot token that posts and edits messages)');
  return { temporal: await connectClient(), web, log, auditDir: defaultAuditDir() };
}

/** Runs until SIGINT or SIGTERM, then stops taking requests and finishes the ones in flight. */
function untilStopped(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => void stop().then(resolve);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function registerSlackCommands(program: Command): void {
  const slack = program
    .command('slack')
    .description('answer drills from Slack buttons (approve, reject, retry, skip, abort, done)');

  slack
    .command('serve')
    .description(
      `serve Slack's Interactivity Request URL at ${INTERACTIONS_PATH} (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, TEMPORAL_ADDRESS)`,
    )
    .option('--port <port>', 'port to listen on', '3000')
    .option('--host <host>', 'address to bind (behind a TLS proxy or tunnel)', '127.0.0.1')
    .action(async (options: { port: string; host: string }) => {
      const signingSecret = secretFromEnv('SLACK_SIGNING_SECRET');
      if (!signingSecret)
        throw new UsageError(
          'set SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE (Basic Information > Signing Secret)',
        );
      const deps = await interactionDeps();
      const endpoint = createSlackServer({
        signingSecret,
        handle: (payload, meta) => handleInteraction(payload, deps, meta),
        replayDir: path.join(dataDir(), 'slack-replay'),
        audit: slackAuditor(defaultAuditDir(), deps.temporal, log),
        log,
      });
      await new Promise<void>((resolve) => endpoint.server.listen(Number(options.port), options.host, resolve));
      log(`Slack interactions on http://${options.host}:${options.port}${INTERACTIONS_PATH}`);
      await untilStopped(async () => {
        await endpoint.close();
        await deps.temporal.connection.close();
      });
    });

  slack
    .command('socket')
    .description(
      'take Slack interactions over Socket Mode, for servers without public ingress (SLACK_APP_TOKEN, SLACK_BOT_TOKEN)',
    )
    .action(async () => {
      const appToken = secretFromEnv('SLACK_APP_TOKEN');
      if (!appToken)
        throw new UsageError('set SLACK_APP_TOKEN or SLACK_APP_TOKEN_FILE (an xapp- token with connections:write)');
      const deps = await interactionDeps();
      const socket = await startSocketMode({
        appToken,
        slackApiUrl: process.env.SLACK_API_URL,
        handle: (payload, meta) => handleInteraction(payload, deps, meta),
        log,
      });
      log('Slack Socket Mode connected');
      await untilStopped(async () => {
        await socket.stop();
        await deps.temporal.connection.close();
      });
    });
}
