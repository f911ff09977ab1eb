export { compileDrill, compileRunbook } from './compile';
export { compilePrecheck } from './precheck';
export type { Operation, OperationContext, Recipe, StepDraft } from '../../kinds/kit/recipe/recipe';
