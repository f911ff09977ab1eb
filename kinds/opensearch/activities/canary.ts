/**
 * The canary document: written before a switch into an index with a copy on every node
 * (auto_expand_replicas 0-all), and read after it from the new side's own copy.
 */
import type { Client } from '@opensearch-project/opensearch';
import { type Body, describeError } from './cluster';

/** The canary index, created when missing (another writer creating it at the same time is fine). */
export async function ensureCanaryIndex(c: Client, index: string): Promise<void> {
  const exists = await c.indices.exists({ index });
  if (exists.body) return;
  await c.indices
    .create({ index, body: { settings: { number_of_shards: 1, auto_expand_replicas: '0-all' } } })
    .catch((error) => {
      if (!/resource_already_exists/.test(describeError(error))) throw error;
    });
}

/** Writes the document once; a second run finds it and keeps its first time. Returns when it was written. */
export async function writeCanaryDoc(
  c: Client,
  index: string,
  id: string,
  doc: { drillId: string; canary: string; site: string },
): Promise<string> {
  const existing = await c.get({ index, id }, { ignore: [404] });
  const found = existing.body as { found?: boolean; _source?: { writtenAt?: string } };
  if (found.found && found._source?.writtenAt) return found._source.writtenAt;
  const writtenAt = new Date().toISOString();
  await c.index({ index, id, body: { ...doc, writtenAt }, refresh: 'wait_for' });
  return writtenAt;
}

/** Reads the document from this node's own copy, else (no local copy) through the cluster; says which. */
export async function readCanaryDoc(
  c: Client,
  index: string,
  id: string,
): Promise<{ found: boolean; source?: Body; how: string }> {
  const read = async (preference?: string) => {
    const res = await c.get({ index, id, ...(preference ? { preference } : {}) }, { ignore: [404] });
    return {
      found: Boolean((res.body as { found?: boolean }).found),
      source: (res.body as { _source?: Body })._source,
    };
  };
  try {
    return { ...(await read('_only_local')), how: 'from its local copy' };
  } catch {
    return { ...(await read()), how: 'through the cluster (no local copy)' };
  }
}
