/**
 * Draining a node before it stops: shard allocation excludes it (a persistent cluster setting, so
 * the cluster itself remembers what the drill changed), and the shard copies that would be lost.
 */
import type { Client } from '@opensearch-project/opensearch';

const EXCLUDE = 'cluster.routing.allocation.exclude._name';

export interface ShardCopy {
  index: string;
  shard: string;
  prirep: string;
  state: string;
  node: string | null;
}

/** The node names excluded from allocation now. */
export async function excluded(client: Client): Promise<string[]> {
  const res = await client.cluster.getSettings({ flat_settings: true });
  const body = res.body as { persistent?: Record<string, string> };
  const value = body.persistent?.[EXCLUDE] ?? '';
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function setExcluded(client: Client, names: string[]): Promise<void> {
  await client.cluster.putSettings({ body: { persistent: { [EXCLUDE]: names.length ? names.join(',') : null } } });
}

async function shardCopies(client: Client, index?: string): Promise<ShardCopy[]> {
  const res = await client.cat.shards({ format: 'json', h: ['index', 'shard', 'prirep', 'state', 'node'], index });
  return res.body.map((s) => ({
    index: s.index ?? '',
    shard: s.shard ?? '',
    prirep: s.prirep ?? '',
    state: s.state ?? '',
    node: s.node ?? null,
  }));
}

// A relocating shard's node reads "from -> ip id to": it is still on `from` until it arrives.
const isOn = (node: string) => (s: ShardCopy) => s.node === node || (s.node ?? '').startsWith(`${node} `);

/** The shard copies on `node` (of `index`, or of every index). */
export async function shardsOn(client: Client, node: string, index?: string): Promise<ShardCopy[]> {
  return (await shardCopies(client, index)).filter(isOn(node));
}

/**
 * Shard copies on `node` that have no started copy on another node: the ones a stop would lose.
 * In a two-node cluster a replicated shard cannot leave (its other copy already sits on the only
 * other node), but it does not need to: the other copy takes over when this node stops.
 */
export async function onlyCopiesOn(client: Client, node: string): Promise<ShardCopy[]> {
  const all = await shardCopies(client);
  const onNode = isOn(node);
  return all
    .filter(onNode)
    .filter(
      (copy) =>
        !all.some(
          (other) =>
            other.index === copy.index &&
            other.shard === copy.shard &&
            other.state === 'STARTED' &&
            other.node &&
            !onNode(other),
        ),
    );
}
