/** A plan step's `after`: the steps it names exist, share its phase and segment, and do not wait on it in turn. */
import { orderByAfter } from '../workflows/runbook/order';
import { PHASE_SEGMENTS, type ExtraStep } from '../domain';

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

type Written = Pick<ExtraStep, 'id' | 'phase' | 'segment' | 'after'>;

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
      }
    });
  });
  const { cycle } = orderByAfter(steps.filter((step) => step.after?.length));
  if (cycle.length) {
    const index = steps.findIndex((step) => step.id === cycle[0]);
    ctx.addIssue({
      code: 'custom',
      path: ['steps', index, 'after'],
      message: `steps ${cycle.join(', ')} each wait for another of them; nothing could start`,
    });
  }
}
