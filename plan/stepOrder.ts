/**
 * A plan step's `after` and `parallel`: the steps it names exist, share its phase and segment, and do
 * not wait on it in turn; a parallel block has two steps or more, all of one phase and segment.
 */
import { orderInBlocks } from '../workflows/runbook/order';
import { PHASE_SEGMENTS, type ExtraStep } from '../domain';

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

type Written = Pick<ExtraStep, 'id' | 'phase' | 'segment' | 'after' | 'parallel'>;

const segmentOf = (step: Written): string =>
  step.segment ?? PHASE_SEGMENTS[step.phase][PHASE_SEGMENTS[step.phase].length - 1];

export function checkStepOrder(steps: readonly Written[], ctx: IssueSink): void {
  steps.forEach((step, index) => {
    (step.after ?? []).forEach((id, position) => {
      const path = ['steps', index, 'after', position];
      const before = steps.find((other) => other.id === id);
      if (!before)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `expected the id of another step in steps; there is no step "${id}"`,
        });
      else if (before === step) ctx.addIssue({ code: 'custom', path, message: 'a step cannot run after itself' });
      else if (before.phase !== step.phase || segmentOf(before) !== segmentOf(step)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${id}" is in ${before.phase}.${segmentOf(before)}, this step in ${step.phase}.${segmentOf(step)}: after orders steps within one segment`,
        });
      } else if (step.parallel !== undefined && before.parallel === step.parallel) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${id}" is in the same parallel block "${step.parallel}": the steps of a block run at once, so one cannot wait for another; take one out of the block or drop this after`,
        });
      }
    });
  });
  checkParallelBlocks(steps, ctx);
  const { cycle } = orderInBlocks(steps);
  if (cycle.length) {
    const index = steps.findIndex((step) => step.id === cycle[0]);
    ctx.addIssue({
      code: 'custom',
      path: ['steps', index, 'after'],
      message: `steps ${cycle.join(', ')} each wait for another of them; nothing could start`,
    });
  }
}

/** Steps naming one `parallel` block: at least two, in one phase and segment (where the block runs). */
function checkParallelBlocks(steps: readonly Written[], ctx: IssueSink): void {
  const blocks = new Map<string, number[]>();
  steps.forEach((step, index) => {
    if (step.parallel !== undefined) blocks.set(step.parallel, [...(blocks.get(step.parallel) ?? []), index]);
  });
  for (const [name, indexes] of blocks) {
    const first = steps[indexes[0]];
    if (indexes.length < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', indexes[0], 'parallel'],
        message: `"${first.id}" is the only step of parallel block "${name}"; a block runs two or more steps of one phase and segment at once`,
      });
      continue;
    }
    for (const index of indexes.slice(1)) {
      const step = steps[index];
      if (step.phase !== first.phase || segmentOf(step) !== segmentOf(first))
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'parallel'],
          message: `parallel block "${name}" runs in ${first.phase}.${segmentOf(first)} (where "${first.id}" is); this step is in ${step.phase}.${segmentOf(step)}: a block's steps share one phase and segment`,
        });
    }
  }
}
