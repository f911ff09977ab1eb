/**
 * The order of a segment's plan steps: the plan's order, except that a step naming others in `after`
 * comes once they have all come, and steps naming one `parallel` block come together, where the
 * block's first step stands. Pure, shared by the compiler and the plan's validation.
 */
export interface Orderable {
  id: string;
  after?: string[];
  parallel?: string;
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

/**
 * Steps in groups, in order: a group of several is a parallel block (its steps run at once). A block
 * waits for everything any of its steps names in `after`, and a step naming one of a block's steps
 * waits for the whole block. `cycle` names the steps that wait on each other.
 */
export function orderInBlocks<T extends Orderable>(steps: readonly T[]): { groups: T[][]; cycle: string[] } {
  const unitOf = (step: T): string => (step.parallel ? `parallel ${step.parallel}` : step.id);
  const units = new Map<string, { id: string; after: string[]; members: T[] }>();
  for (const step of steps) {
    const id = unitOf(step);
    const unit = units.get(id) ?? { id, after: [], members: [] };
    unit.members.push(step);
    units.set(id, unit);
  }
  const unitOfId = new Map(steps.map((step) => [step.id, unitOf(step)]));
  for (const unit of units.values()) {
    const named = unit.members.flatMap((step) => (step.after ?? []).map((id) => unitOfId.get(id) ?? id));
    unit.after = [...new Set(named)].filter((id) => id !== unit.id);
  }
  const { ordered, cycle } = orderByAfter([...units.values()]);
  return {
    groups: ordered.map((unit) => unit.members),
    cycle: cycle.flatMap((id) => units.get(id)?.members.map((step) => step.id) ?? [id]),
  };
}

/**
 * Each name's wave among `names`: 0 for one that waits for none of them, else one past the latest
 * wave of those it names in `after` (through names outside the set too, so A after B after C keeps
 * A after C when B has nothing to do). A cycle (refused at plan check) leaves its names at 0.
 */
export function wavesByAfter(
  names: readonly string[],
  afterOf: (name: string) => readonly string[],
): Map<string, number> {
  const waves = new Map<string, number>();
  const inSet = new Set(names);
  const depth = (name: string, path: Set<string>): number => {
    if (path.has(name)) return 0;
    const known = waves.get(name);
    if (known !== undefined) return known;
    path.add(name);
    const before = afterOf(name).map((other) => depth(other, path) + (inSet.has(other) ? 1 : 0));
    path.delete(name);
    const wave = Math.max(0, ...before);
    waves.set(name, wave);
    return wave;
  };
  for (const name of names) depth(name, new Set());
  return new Map(names.map((name) => [name, waves.get(name) ?? 0]));
}
