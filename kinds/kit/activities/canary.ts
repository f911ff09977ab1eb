/**
 * Every name a drill run gives the evidence it leaves behind: canary rows, documents, keys, objects
 * and files written on the old writer before a switch and looked for on the new one after it, the
 * cutover marker, the per-site OpenSearch snapshot and its restore marker. Unique to one drill run:
 * the drill id repeats per target, so each name carries the whole run id. (A prefix of it is not
 * enough: Temporal's run ids are UUIDv7, whose leading digits are the start time, so two runs of a
 * target started within about a minute shared every name that took the first 8 digits, and a later
 * drill found, and trusted, an earlier drill's canary and snapshot.) Every per-run name is built
 * here, so a new one cannot forget the run. The 8-digit names of 0.4.0 are not looked for: one
 * could belong to another run, so a switch begun on 0.4.0 and verified on 0.5.0 fails closed.
 */
import { Context } from '@temporalio/activity';
import type { StepInput } from '../../../domain';
import type { MysqlAction } from '../../mysql/actions';
import type { OpensearchAction } from '../../opensearch/actions';
import type { PostgresAction } from '../../postgres/actions';

/** The steps of a switch of the data tier: their arguments name the switch's canary. */
export type SwitchStepInput = StepInput<MysqlAction | PostgresAction | OpensearchAction>;

/** This activity's drill run (the whole run id), or '' outside a Temporal activity (tests call drivers directly). */
export function runOf(): string {
  try {
    return Context.current().info.workflowExecution?.runId ?? '';
  } catch {
    return '';
  }
}

/**
 * A canary named `canary` in this run of the drill, e.g.
 * `drill-lab/0194c6a2-7f3e-7b1c-9a55-2d8e4f0b1c3a:primary-to-secondary` (at most 69 + 1 + 36 + 1 +
 * the canary's name characters: it fits the MySQL canary table's VARCHAR(190) id with its
 * `:cutover` suffix, a Redis key, an S3 key and an OpenSearch document id).
 */
export function canaryKey(input: { drillId: string }, canary: string): string {
  const run = runOf();
  return `${input.drillId}${run ? `/${run}` : ''}:${canary}`;
}

/** The canary of this step's switch in this run. */
export const canaryId = (input: SwitchStepInput): string => canaryKey(input, input.step.args.canary);

/** The marker the promoting step writes on the new writer: when it became writable, and with what lag. */
export const cutoverMarkerId = (input: SwitchStepInput): string => `${canaryId(input)}:cutover`;

/**
 * A snapshot of this run's switch named `canary`: OpenSearch snapshot names are lower case, without
 * spaces, commas, `#`, `/`, `*`, `?`, quotes, `<`, `>` or `|`, and at most 255 bytes. The restore
 * marker of the per-site restore carries the same name, so it too belongs to this run only.
 */
export const snapshotName = (input: { drillId: string }, canary: string): string =>
  `drill-${canaryKey(input, canary)}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-');

/** The Redis key of this run's canary. */
export const redisCanaryKey = (input: { drillId: string }, canary: string): string =>
  `drillbook:canary:${canaryKey(input, canary)}`;

/** The S3 object key of this run's canary (the key's safe characters only). */
export const canaryObjectKey = (input: { drillId: string }, canary: string): string =>
  `drillbook-canary/${canaryKey(input, canary).replace(/[^A-Za-z0-9._/-]/g, '_')}.json`;

/** A file-name-safe form of this run's canary key, for the shared-storage canary files (well under 255 bytes). */
export const canaryFileStem = (input: { drillId: string }, canary: string): string =>
  canaryKey(input, canary).replace(/[^A-Za-z0-9_.-]+/g, '_');
