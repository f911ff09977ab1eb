/** A check of what one component of a plan says about another, run once every component is valid. */
import type { Component } from '../../../domain';

export interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

export type ReferenceCheck = (components: Record<string, Component>, ctx: IssueSink) => void;
