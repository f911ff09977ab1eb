/**
 * MISP: the test indicator is an `ip-dst` attribute with `to_ids` in the event the plan names.
 * Created with `POST /attributes/add/<event id>` and a JSON attribute, removed (hard) with
 * `POST /attributes/delete/<id>` and `{"hard": 1}`, as PyMISP's add_attribute and delete_attribute
 * send them (MISP/PyMISP pymisp/api.py); found with `/attributes/restSearch` by value and event.
 * Consumers (firewalls, DNS blocklists) read `GET /attributes/text/download/ip-dst`: one value a
 * line, IDS attributes only (FIELD-NOTES 16).
 */
import { field, isArray } from '../request';
import { mispRequest } from '../misp';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import { mentions } from './indicator';
import type { ProtectionPlatform } from './platform';

export const mispProtection = (eventId: string): ProtectionPlatform => ({
  async find(call, role, indicator) {
    const body = JSON.stringify({
      returnFormat: 'json',
      type: 'ip-dst',
      value: indicator.ip,
      eventid: eventId,
      limit: 100,
      page: 1,
    });
    const answer = await mispRequest(call, role, {
      method: 'POST',
      path: '/attributes/restSearch',
      body,
      expect: 'json',
    });
    const found = field(call.who(role), answer.json, 'response.Attribute', isArray, 'attributes') as {
      id?: string;
      comment?: string;
    }[];
    return found.filter((a) => a.comment === indicator.label && a.id !== undefined).map((a) => String(a.id));
  },
  async create(call, role, indicator) {
    const body = JSON.stringify({
      type: 'ip-dst',
      category: 'Network activity',
      value: indicator.ip,
      to_ids: true,
      comment: indicator.label,
      distribution: '5',
    });
    const answer = await mispRequest(call, role, {
      method: 'POST',
      path: `/attributes/add/${encodeURIComponent(eventId)}`,
      body,
      expect: 'json',
    });
    const id = (answer.json as { Attribute?: { id?: unknown } })?.Attribute?.id;
    if (id === undefined)
      failRetryable(
        `${call.who(role)}: /attributes/add answered without the new Attribute's id`,
        'TipUnexpectedAnswer',
      );
    return String(id);
  },
  async served(call, role, indicator) {
    const answer = await mispRequest(call, role, {
      method: 'GET',
      path: '/attributes/text/download/ip-dst',
      expect: 'text',
    });
    return { served: mentions(answer.text, indicator.ip), where: 'the text export /attributes/text/download/ip-dst' };
  },
  async remove(call, role, id) {
    await mispRequest(call, role, {
      method: 'POST',
      path: `/attributes/delete/${encodeURIComponent(id)}`,
      body: JSON.stringify({ hard: 1 }),
      expect: 'json',
    });
  },
});
