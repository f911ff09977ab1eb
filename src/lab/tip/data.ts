/** What a personality reads: the site's indicators and job runs, from a tipStore or another source (the OpenCTI lab's OpenSearch). */
import type { Indicator, JobRun, TipStore } from '../tipStore';

export interface ApiData {
  state(): Promise<{ reachable: boolean; error?: string }>;
  indicatorCount(): Promise<number>;
  /** A page of indicators, oldest first. */
  indicators(start: number, limit: number): Promise<Indicator[]>;
  /** The last job runs, newest first. */
  recentJobRuns(count: number): Promise<JobRun[]>;
}

export function tipStoreData(store: TipStore): ApiData {
  return {
    state: () => store.state(),
    indicatorCount: async () => (await store.indicators()).length,
    indicators: async (start, limit) => (await store.indicators()).slice(start, start + limit),
    recentJobRuns: (count) => store.recentJobRuns(count),
  };
}
