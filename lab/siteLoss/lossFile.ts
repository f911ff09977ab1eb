/**
 * The loss `drillbook lab disaster` recorded in the lab's data folder (site-loss.json, written by
 * scripts/lab/common.sh's site_disaster): when, what it killed, what stayed up as one thing for both sites.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface RecordedLoss {
  site: 'primary' | 'secondary';
  /** Epoch ms of the kill. */
  at: number;
  atIso: string;
  unreplicatedS: number;
  /** Epoch ms just before `--unreplicated` stopped replication out of the site (null without it). */
  replicationStoppedAt: number | null;
  servers: string[];
  killed: { server: string; pid: number }[];
  sharedUp: string[];
  returnedAt?: number;
}

export const LOSS_FILE = 'site-loss.json';

export function readRecordedLoss(labDir: string): RecordedLoss {
  const file = path.join(labDir, LOSS_FILE);
  const loss = JSON.parse(readFileSync(file, 'utf8')) as RecordedLoss;
  if (typeof loss.at !== 'number' || !Array.isArray(loss.killed))
    throw new Error(`${file} is not a recorded site loss (no "at" or "killed")`);
  return loss;
}
