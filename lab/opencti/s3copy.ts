/**
 * The lab's stand-in for S3 replication, which moto does not do: copies every object of one bucket
 * that the other lacks (or holds with other bytes) into the other. A real plan names its own copy
 * (`aws s3 sync`) or relies on the store's replication instead.
 * Usage: node dist/lab/opencti/s3copy.js --from BUCKET@REGION --to BUCKET@REGION [--endpoint URL]
 * As a plan's copy step it is told the direction in DRILLBOOK_S3_FROM / DRILLBOOK_S3_TO (and
 * DRILLBOOK_S3_FROM_ENDPOINT) instead. Credentials: the standard AWS chain (AWS_ACCESS_KEY_ID, ...).
 * Prints one line; exit 1 on failure, 2 on bad input (a flag it does not take, a bucket not BUCKET@REGION).
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { exitOnFailure, parseCommandLine } from '../../src/commandLine';
import { UsageError } from '../../src/commands/errors';

const USAGE = 's3copy --from BUCKET@REGION --to BUCKET@REGION [--endpoint URL]';

function bucketAt(text: string | undefined, what: string): { bucket: string; region: string } {
  const match = /^([a-z0-9.-]+)@([a-z0-9-]+)$/.exec(text ?? '');
  if (!match) throw new UsageError(`s3copy: --${what} must be BUCKET@REGION, got "${text ?? ''}"`);
  return { bucket: match[1], region: match[2] };
}

export async function copyBucket(
  from: { bucket: string; region: string },
  to: { bucket: string; region: string },
  endpoint?: string,
): Promise<{ copied: string[]; same: number }> {
  const client = (region: string) => new S3Client({ region, endpoint, forcePathStyle: Boolean(endpoint) });
  const source = client(from.region);
  const target = client(to.region);
  const copied: string[] = [];
  let same = 0;
  try {
    let token: string | undefined;
    // Bounded: 1000 pages of 1000 objects is far more than a lab bucket holds.
    for (let page = 0; page < 1000; page++) {
      const list = await source.send(new ListObjectsV2Command({ Bucket: from.bucket, ContinuationToken: token }));
      for (const object of list.Contents ?? []) {
        const key = object.Key as string;
        const there = await target.send(new HeadObjectCommand({ Bucket: to.bucket, Key: key })).catch(() => undefined);
        if (there?.ETag && there.ETag === object.ETag) {
          same += 1;
          continue;
        }
        const got = await source.send(new GetObjectCommand({ Bucket: from.bucket, Key: key }));
        const body = await got.Body?.transformToByteArray();
        await target.send(
          new PutObjectCommand({ Bucket: to.bucket, Key: key, Body: body, ContentType: got.ContentType }),
        );
        copied.push(key);
      }
      token = list.NextContinuationToken;
      if (!list.IsTruncated) break;
    }
  } finally {
    source.destroy();
    target.destroy();
  }
  return { copied, same };
}

if (require.main === module) {
  const run = async () => {
    const { values } = parseCommandLine({
      program: 's3copy',
      usage: USAGE,
      options: { from: { type: 'string' }, to: { type: 'string' }, endpoint: { type: 'string' } },
    });
    const from = bucketAt(values.from ?? process.env.DRILLBOOK_S3_FROM, 'from');
    const to = bucketAt(values.to ?? process.env.DRILLBOOK_S3_TO, 'to');
    const { copied, same } = await copyBucket(from, to, values.endpoint ?? process.env.DRILLBOOK_S3_FROM_ENDPOINT);
    console.log(
      `copied ${copied.length} object(s) from ${from.bucket} to ${to.bucket} (${same} already the same)${copied.length ? `: ${copied.slice(0, 5).join(', ')}${copied.length > 5 ? ', …' : ''}` : ''}`,
    );
  };
  void run().catch(exitOnFailure('s3copy'));
}
