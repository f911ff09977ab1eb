/** A rabbitmq component's producers must be workloads of one of the plan's kubernetes components. */
import type { ReferenceCheck } from '../kit/schema/references';

export const checkProducers: ReferenceCheck = (components, ctx) => {
  for (const [name, c] of Object.entries(components)) {
    if (c.kind !== 'rabbitmq' || !c.producers) continue;
    const path = ['components', name, 'producers'];
    const target = components[c.producers.kubernetes];
    if (target?.kind !== 'kubernetes') {
      const options = Object.entries(components)
        .filter(([, other]) => other.kind === 'kubernetes')
        .map(([n]) => n);
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'kubernetes'],
        message: `expected the name of a kubernetes component${options.length ? ` (${options.join(', ')})` : ' (the plan has none)'}, got "${c.producers.kubernetes}"`,
      });
      continue;
    }
    c.producers.workloads.forEach((workload, index) => {
      if (!target.workloads.some((w) => w.name === workload)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'workloads', index],
          message: `"${workload}" is not one of components.${c.producers?.kubernetes}.workloads (${target.workloads.map((w) => w.name).join(', ')})`,
        });
      }
    });
  }
};
