/**
 * ThreatConnect v3: the test indicator is an Address indicator with a Description attribute holding
 * its label and the tag "Drillbook DR test". Created with `POST /v3/indicators` and
 * `{ type: "Address", ip, attributes: { data: [...] }, tags: { data: [{ name }] } }`, removed with
 * `DELETE /v3/indicators/<id>` (ThreatConnect developer docs rest_api/v3/indicators), found and
 * read back with `GET /v3/indicators?tql=summary EQ "<ip>"&fields=attributes`, the list v3 consumers
 * (playbooks, integrations) read; v3 has no export file (FIELD-NOTES 16).
 */
import { field, isArray } from '../request';
import { tcRequest } from '../tcRequest';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import type { TipCall } from '../context';
import type { TestIndicator } from './indicator';
import type { ProtectionPlatform } from './platform';
import type { SiteRole } from '../../../domain';

export const TEST_TAG = 'Drillbook DR test';

type Row = { id?: number | string; summary?: string; attributes?: { data?: { type?: string; value?: string }[] } };

async function rows(call: TipCall, role: SiteRole, indicator: TestIndicator): Promise<Row[]> {
  const tql = encodeURIComponent(`summary EQ "${indicator.ip}"`);
  const answer = await tcRequest(call, role, {
    method: 'GET',
    path: `/api/v3/indicators?tql=${tql}&fields=attributes&resultLimit=100`,
    expect: 'json',
  });
  const json = answer.json as { status?: string };
  if (json?.status !== 'Success')
    failRetryable(
      `${call.who(role)}: /v3/indicators answered status ${JSON.stringify(json?.status)}, not Success`,
      'TipUnhealthy',
    );
  return (field(call.who(role), answer.json, 'data', isArray, 'indicators') as Row[]).filter(
    (r) => r.summary === indicator.ip,
  );
}

const ours = (row: Row, indicator: TestIndicator): boolean =>
  (row.attributes?.data ?? []).some((a) => a.value === indicator.label);

export const threatconnectProtection: ProtectionPlatform = {
  async find(call, role, indicator) {
    return (await rows(call, role, indicator)).filter((r) => ours(r, indicator)).map((r) => String(r.id));
  },
  async create(call, role, indicator) {
    const body = JSON.stringify({
      type: 'Address',
      ip: indicator.ip,
      attributes: { data: [{ type: 'Description', value: indicator.label, default: true }] },
      tags: { data: [{ name: TEST_TAG }] },
    });
    const answer = await tcRequest(call, role, { method: 'POST', path: '/api/v3/indicators', body, expect: 'json' });
    const id = (answer.json as { data?: { id?: unknown } })?.data?.id;
    if (id === undefined)
      failRetryable(
        `${call.who(role)}: POST /v3/indicators answered without the new indicator's id`,
        'TipUnexpectedAnswer',
      );
    return String(id);
  },
  async served(call, role, indicator) {
    return {
      served: (await rows(call, role, indicator)).some((r) => ours(r, indicator)),
      where: 'the v3 indicators API',
    };
  },
  async remove(call, role, id) {
    await tcRequest(call, role, {
      method: 'DELETE',
      path: `/api/v3/indicators/${encodeURIComponent(id)}`,
      expect: 'json',
    });
  },
};
