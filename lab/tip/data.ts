/** What a personality reads: the site's indicators and job runs, from a tipStore or another source (the OpenCTI lab's OpenSearch). */
import type { Indicator, JobRun, TipStore } from '../tipStore';

export interface ApiData {
  state(): Promise<{ reachable: boolean; error?: string }>;
  indicatorCount(): Promise<number>;
  /** A page of indicators, oldest first. */
  indicators(start: number, limit: number): Promise<Indicator[]>;
  /** The last job runs, newest first. */
  recentJobRuns(count: number): Promise<JobRun[]>;
  /** The drills' test indicators: planted, listed, removed through the API (the time-to-protection steps). */
  testIndicators?: TestIndicators;
}

export interface LabelledIndicator {
  id: string;
  value: string;
  type: string;
  label: string;
  createdAt: string;
}

export interface TestIndicators {
  add(value: string, type: string, label: string): Promise<LabelledIndicator>;
  list(): Promise<LabelledIndicator[]>;
  remove(id: string): Promise<boolean>;
}

const labelled = (i: Indicator): LabelledIndicator | undefined =>
  i.label === undefined
    ? undefined
    : { id: String(i.id), value: i.value, type: i.type, label: i.label, createdAt: i.createdAt };

export function tipStoreData(store: TipStore, site = 'lab'): ApiData {
  return {
    state: () => store.state(),
    indicatorCount: async () => (await store.indicators()).length,
    indicators: async (start, limit) => (await store.indicators()).slice(start, start + limit),
    recentJobRuns: (count) => store.recentJobRuns(count),
    testIndicators: {
      add: async (value, type, label) => {
        const id = await store.addIndicator(value, type, site, label);
        return { id: String(id), value, type, label, createdAt: new Date().toISOString() };
      },
      list: async () => (await store.indicators()).map(labelled).filter((i): i is LabelledIndicator => i !== undefined),
      remove: (id) => store.removeIndicator(Number(id)),
    },
  };
}
