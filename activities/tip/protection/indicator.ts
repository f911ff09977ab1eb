/**
 * The drill's test indicator: a TEST-NET-1 address (192.0.2.0/24, RFC 5737: documentation only, never
 * routed, so blocking it harms nothing) labelled with the drill and its whole run, so a person who
 * meets it knows what it is and a later run never takes another run's for its own.
 */
import { createHash } from 'node:crypto';
import { canaryKey } from '../../../kinds/kit/activities/canary';

export interface TestIndicator {
  /** `drill-lab/<run id>:tip-protection`. */
  key: string;
  ip: string;
  /** The label it carries (MISP comment, OpenCTI name, ThreatConnect description). */
  label: string;
}

export function testIndicator(input: { drillId: string }): TestIndicator {
  const key = canaryKey(input, 'tip-protection');
  const octet = 1 + (createHash('sha256').update(key).digest().readUInt16BE(0) % 254);
  return {
    key,
    ip: `192.0.2.${octet}`,
    label: `Drillbook DR drill test indicator ${key} (TEST-NET-1, safe to ignore; removed when the drill ends)`,
  };
}

/** The address stands alone in a text (a feed line, a CSV cell, a pattern), not as part of 192.0.2.10. */
export const mentions = (text: string, ip: string): boolean =>
  new RegExp(`(^|[^0-9.])${ip.replace(/\./g, '\\.')}($|[^0-9])`, 'm').test(text);
