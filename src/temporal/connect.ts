/** Opening connections to Temporal for clients and workers, from the environment's settings. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporalSettings, type TemporalSettings } from '../../store/config';

export async function connect(settings: TemporalSettings = temporalSettings()): Promise<Connection> {
  return Connection.connect({
    address: settings.address,
    tls: settings.tls,
    apiKey: settings.apiKey,
    connectTimeout: '10s',
  });
}

export async function connectClient(settings: TemporalSettings = temporalSettings()): Promise<Client> {
  return new Client({ connection: await connect(settings), namespace: settings.namespace });
}

export async function connectWorker(settings: TemporalSettings = temporalSettings()): Promise<NativeConnection> {
  return NativeConnection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey });
}

/** Runs `work` with a client and closes its connection afterwards, for one-shot CLI commands. */
export async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient();
  try {
    return await work(client);
  } finally {
    await client.connection.close();
  }
}
