/** The rows and bars of the report's timeline: what the SVG draws, whoever builds them. */
import type { StepStatus } from '../../domain';

export type BarKind = 'phase' | StepStatus | 'people' | 'people-open' | 'protection' | 'outage' | 'client-downtime';

export interface TimelineBar {
  from: number;
  to: number;
  kind: BarKind;
  /** A sentence for the tooltip. */
  title: string;
}

export interface TimelineRow {
  label: string;
  /** 0: phase or gate outside phases; 1: a step or a wait inside a phase. */
  level: 0 | 1;
  bars: TimelineBar[];
}
