/**
 * The three registries of kinds agree: what the workflow side says each kind's steps may name
 * (kinds/index.ts) is exactly what the worker side serves (kinds/activities.ts), and no action has
 * two owners. TypeScript checks that every kind is in each registry; this checks their contents.
 */
import { DOMAIN_ACTIONS } from '../../domain';
import { KINDS, STEP_ACTIONS } from '../../kinds';
import { createKindActivities } from '../../kinds/activities';
import { COMPONENT_SCHEMAS } from '../../kinds/schemas';

test("every kind lists exactly the actions its activities serve, and the worker serves no kind's action unlisted", () => {
  // Building the drivers opens nothing: clients are made at first use.
  const served = Object.keys(createKindActivities({ workdir: '.' })).sort();
  const listed = Object.values(KINDS)
    .flatMap((k) => [...k.actions])
    .sort();
  expect(listed).toEqual(served);
});

test('no action belongs to two kinds, or to a kind and the domain', () => {
  const owners = new Map<string, string[]>();
  for (const action of DOMAIN_ACTIONS) owners.set(action, ['domain']);
  for (const k of Object.values(KINDS))
    for (const action of k.actions) owners.set(action, [...(owners.get(action) ?? []), k.kind]);
  expect([...owners].filter(([, by]) => by.length > 1)).toEqual([]);
  expect(new Set(STEP_ACTIONS).size).toBe(STEP_ACTIONS.length);
});

test('the loader and the workflow side know the same kinds', () => {
  expect(Object.keys(COMPONENT_SCHEMAS).sort()).toEqual(Object.keys(KINDS).sort());
  for (const [name, k] of Object.entries(KINDS)) expect(k.kind).toBe(name);
});

test("a health check that waits on its own bound is one of its kind's actions", () => {
  for (const k of Object.values(KINDS))
    for (const check of k.healthChecksThatWait ?? []) expect(k.actions).toContain(check);
});
