/** Search attributes that make drills findable and readable in the Temporal UI's list. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DrillTarget = defineSearchAttributeKey('DrillTarget', SearchAttributeType.KEYWORD);
export const DrillPhase = defineSearchAttributeKey('DrillPhase', SearchAttributeType.KEYWORD);
export const DrillMode = defineSearchAttributeKey('DrillMode', SearchAttributeType.KEYWORD);
export const DrillOutcome = defineSearchAttributeKey('DrillOutcome', SearchAttributeType.KEYWORD);
/** The last readiness precheck of a target: ready or not-ready. */
export const DrillReadiness = defineSearchAttributeKey('DrillReadiness', SearchAttributeType.KEYWORD);

/** Registered when the dev server starts (`--search-attribute Name=Keyword`). */
export const SEARCH_ATTRIBUTE_NAMES = [
  'DrillTarget',
  'DrillPhase',
  'DrillMode',
  'DrillOutcome',
  'DrillReadiness',
] as const;
