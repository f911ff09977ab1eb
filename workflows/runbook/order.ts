/**
 * The order of a segment's plan steps: the plan's order, except that a step naming others in `after`
 * comes once they have all come. Pure, shared by the compiler and the plan's validation.
 */
export interface Orderable {
  id: string;
  after?: string[];
}

/** Steps in order; `cycle` lists the steps that wait on each other (none when the order is sound). */
export function orderByAfter<T extends Orderable>(steps: readonly T[]): { ordered: T[]; cycle: string[] } {
  const ids = new Set(steps.map((step) => step.id));
  const placed = new Set<string>();
  const ordered: T[] = [];
  let waiting = [...steps];
  while (waiting.length) {
    // The first step, in plan order, whose predecessors here are all placed: stable for plans without `after`.
    const next = waiting.find((step) => (step.after ?? []).every((id) => placed.has(id) || !ids.has(id)));
    if (!next) return { ordered: [...ordered, ...waiting], cycle: waiting.map((step) => step.id) };
    ordered.push(next);
    placed.add(next.id);
    waiting = waiting.filter((step) => step !== next);
  }
  return { ordered, cycle: [] };
}
