/**
 * Socket Mode: the same interactions over a WebSocket the app opens to Slack, for servers with no
 * public ingress. No request signing here: the connection itself is authenticated by the app token.
 */
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import type { InteractionMeta, SlackInteraction } from './interactions';

export interface SocketModeOptions {
  appToken: string;
  slackApiUrl?: string;
  handle: (payload: SlackInteraction, meta: InteractionMeta) => Promise<void>;
  log?: (message: string) => void;
}

export interface SocketMode {
  client: SocketModeClient;
  stop(): Promise<void>;
}

export async function startSocketMode(options: SocketModeOptions): Promise<SocketMode> {
  const log = options.log ?? (() => undefined);
  const client = new SocketModeClient({
    appToken: options.appToken,
    clientOptions: { slackApiUrl: options.slackApiUrl },
    logLevel: LogLevel.ERROR,
  });
  client.on(
    'interactive',
    async ({ ack, body, envelope_id }: { ack: () => Promise<void>; body: SlackInteraction; envelope_id?: string }) => {
      // Acknowledge first: Slack retries an envelope not acknowledged within three seconds (with the same envelope id, which the drill acts on once).
      await ack();
      await options
        .handle(body, { requestId: envelope_id ? `slack-socket:${envelope_id}` : undefined })
        .catch((error: Error) => log(`interaction failed: ${error.message}`));
    },
  );
  await client.start();
  return { client, stop: () => client.disconnect() };
}
