export { compileDrill, compileRunbook } from './compile';
export type { Operation, OperationContext, Recipe, StepDraft } from './recipe';
