/**
 * compilePrecheck(plan): every check of the plan that changes nothing, on both sites: each
 * component's preflight and its health on the primary (and on the secondary where the standby
 * serves too: databases and search), and that every program the plan's commands run is on the
 * worker, and the TIP profile's checks on the primary (they change nothing). Pure; each step names where in the plan it comes from, so a drift says what to fix.
 */
import { finishStep } from './compile';
import type { OperationContext, StepDraft } from '../../kinds/kit/recipe/recipe';
import { recipeFor } from '../../kinds/recipes';
import { tipDrafts } from './tip';
import { tipRecoveryDrafts } from './tipRecovery';
import { directionOf, type CommandDriver, type Driver, type Plan, type SiteRole, type Step } from '../../domain';

/** Standbys that serve while the primary does (a replica, a search node): checked on both sites. */
const BOTH_SITES: ReadonlySet<string> = new Set(['database', 'search']);

export function compilePrecheck(plan: Plan): Step[] {
  const steps: Step[] = [];
  for (const [name, component] of Object.entries(plan.components)) {
    const recipe = recipeFor(component);
    const context = (site: SiteRole): OperationContext => ({
      plan,
      mode: 'drill',
      phase: 'preparation',
      name,
      site,
      ...directionOf('preparation'),
      planned: true,
    });
    const sites: SiteRole[] = BOTH_SITES.has(recipe.tier(component)) ? ['primary', 'secondary'] : ['primary'];
    const drafts: { draft: StepDraft; site: SiteRole }[] = [
      ...recipe
        .steps('preflight', component, context('primary'))
        .map((draft) => ({ draft: readOnly(draft), site: 'primary' as SiteRole })),
      ...sites.flatMap((site) => recipe.steps('health', component, context(site)).map((draft) => ({ draft, site }))),
    ];
    for (const { draft, site } of drafts) {
      if (draft.action === 'manualTask') continue;
      steps.push(
        asPrecheck(
          finishStep(plan, 'drill', 'preparation', 'precheck', draft, { component: name, site, tuning: component }),
          `components.${name}`,
        ),
      );
    }
  }
  // The platform's own checks read only: on the site that serves now.
  for (const draft of tipDrafts(plan, 'preparation', 'primary', true))
    steps.push(asPrecheck(finishStep(plan, 'drill', 'preparation', 'precheck', draft, { site: 'primary' }), 'tip'));
  for (const draft of tipRecoveryDrafts(plan, 'preparation', 'primary', true))
    steps.push(
      asPrecheck(finishStep(plan, 'drill', 'preparation', 'precheck', draft, { site: 'primary' }), 'tip.recovery'),
    );
  for (const [program, path] of programsOf(plan)) steps.push(asPrecheck(programPresent(plan, program), path));
  return uniqueIds(steps);
}

/** A preflight that would take a snapshot (or register a repository) only looks here. */
function readOnly(draft: StepDraft): StepDraft {
  if (draft.action === 'opensearchSitesPreflight') return { ...draft, args: { ...draft.args, lookOnly: true } };
  if (draft.action !== 'opensearchSnapshot' || !draft.args.snapshot) return draft;
  return { ...draft, args: { ...draft.args, snapshot: { ...draft.args.snapshot, take: 'never' } } };
}

function asPrecheck(step: Step, planPath: string): Step {
  // Read-only checks: a couple of quick attempts, then the drift is reported rather than retried for minutes.
  return {
    ...step,
    id: step.id.replace(/^preparation\./, 'precheck.'),
    planPath,
    bestEffort: false,
    destructive: false,
    retry: {
      ...step.retry,
      maximumAttempts: Math.min(step.retry.maximumAttempts, 2),
      maximumIntervalMs: Math.min(step.retry.maximumIntervalMs, 2000),
    },
  };
}

function uniqueIds(steps: Step[]): Step[] {
  const seen = new Map<string, number>();
  return steps.map((step) => {
    const count = (seen.get(step.id) ?? 0) + 1;
    seen.set(step.id, count);
    return count === 1 ? step : { ...step, id: `${step.id}.${count}` };
  });
}

/** Every program a command of the plan runs, with the first place in the plan that runs it. */
function programsOf(plan: Plan): Map<string, string> {
  const found = new Map<string, string>();
  const add = (command: CommandDriver | undefined, path: string) => {
    const program = command && !command.shell ? command.argv[0] : command?.shell ? 'sh' : undefined;
    if (program && !found.has(program)) found.set(program, path);
  };
  for (const [name, component] of Object.entries(plan.components)) {
    for (const site of ['primary', 'secondary'] as const) {
      for (const [key, driver] of Object.entries(component[site] as Record<string, unknown>)) {
        if (isDriver(driver)) add(driver.command, `components.${name}.${site}.${key}`);
      }
    }
  }
  plan.steps.forEach((step, index) => add(step.command, `steps[${index}]`));
  for (const site of ['primary', 'secondary'] as const)
    add(plan.tip?.[site].monitorsEnabled?.command, `tip.${site}.monitorsEnabled`);
  for (const site of ['primary', 'secondary'] as const)
    add(plan.tip?.[site].recoveryState?.command, `tip.${site}.recoveryState`);
  const trimming = plan.tip?.recovery?.streams?.trimming;
  if (typeof trimming === 'object') add(trimming.command, 'tip.recovery.streams.trimming');
  return found;
}

const isDriver = (value: unknown): value is Driver =>
  typeof value === 'object' && value !== null && ('command' in value || 'http' in value || 'manual' in value);

function programPresent(plan: Plan, program: string): Step {
  const draft: StepDraft = {
    key: `program-${program.replace(/[^A-Za-z0-9_-]+/g, '_')}`,
    title: `The program "${program}" that the plan's commands run is on this worker`,
    action: 'runCommand',
    args: { command: { argv: ['sh', '-c', 'command -v -- "$1"', 'sh', program], shell: false, expectExit: [0] } },
    timeoutMs: 10_000,
  };
  return finishStep(plan, 'drill', 'preparation', 'precheck', draft, {});
}
