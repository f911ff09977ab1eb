/**
 * OpenCTI: the test indicator is a STIX indicator `[ipv4-addr:value = '192.0.2.x']` named with its
 * label. Created with GraphQL `indicatorAdd(input: { name, description, pattern, pattern_type: "stix",
 * x_opencti_main_observable_type: "IPv4-Addr" })` and removed with `stixDomainObjectEdit(id) { delete }`,
 * as pycti's Indicator.create and StixDomainObject.delete send them (OpenCTI-Platform/client-python
 * pycti/entities/opencti_indicator.py, opencti_stix_domain_object.py); found by `indicators(search:)`
 * and its exact name. Consumers read a TAXII 2.1 collection:
 * `GET /taxii2/root/collections/<id>/objects/?match[id]=<standard_id>` with the bearer token and
 * `Accept: application/taxii+json;version=2.1`, answering an envelope `{ objects: [...] }`.
 */
import { resolveSecret } from '../../../kinds/kit/activities/secrets';
import { field, isArray, tipFetch } from '../request';
import { graphql } from '../opencti';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import type { TipCall } from '../context';
import type { TestIndicator } from './indicator';
import type { ProtectionPlatform } from './platform';
import type { SiteRole } from '../../../domain';

type Node = { id?: string; name?: string; standard_id?: string };

async function nodes(call: TipCall, role: SiteRole, indicator: TestIndicator): Promise<Node[]> {
  const data = await graphql(
    call,
    role,
    `query DrillFindTestIndicator { indicators(search: ${JSON.stringify(indicator.key)}, first: 50) { edges { node { id name standard_id } } } }`,
  );
  const edges = field(call.who(role), data, 'indicators.edges', isArray, 'indicator search') as { node?: Node }[];
  return edges.map((e) => e.node ?? {}).filter((n) => n.name === indicator.label && typeof n.id === 'string');
}

export const openctiProtection = (collection: string): ProtectionPlatform => ({
  async find(call, role, indicator) {
    return (await nodes(call, role, indicator)).map((n) => n.id as string);
  },
  async create(call, role, indicator) {
    const input = `{ name: ${JSON.stringify(indicator.label)}, description: ${JSON.stringify(`A test indicator planted by the DR drill ${indicator.key}`)}, pattern: ${JSON.stringify(`[ipv4-addr:value = '${indicator.ip}']`)}, pattern_type: "stix", x_opencti_main_observable_type: "IPv4-Addr" }`;
    const data = await graphql(
      call,
      role,
      `mutation DrillPlantTestIndicator { indicatorAdd(input: ${input}) { id standard_id } }`,
    );
    const id = (data as { indicatorAdd?: { id?: unknown } }).indicatorAdd?.id;
    if (typeof id !== 'string')
      failRetryable(`${call.who(role)}: indicatorAdd answered without the new indicator's id`, 'TipUnexpectedAnswer');
    return id;
  },
  async served(call, role, indicator) {
    const where = `TAXII collection ${collection}`;
    const found = await nodes(call, role, indicator);
    if (!found[0]?.standard_id) return { served: false, where };
    const token = await resolveSecret(call.args.sites[role].token ?? {}, `${call.stepId}.tip.${role}.token`);
    const path = `/taxii2/root/collections/${encodeURIComponent(collection)}/objects/?match[id]=${encodeURIComponent(found[0].standard_id)}`;
    const answer = await tipFetch(call.endpoint(role, [token]), {
      method: 'GET',
      path,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/taxii+json;version=2.1' },
      expect: 'json',
    });
    const objects = ((answer.json as { objects?: { id?: string; pattern?: string }[] })?.objects ?? []).filter(
      (o) => o.id === found[0].standard_id && (o.pattern ?? '').includes(indicator.ip),
    );
    return { served: objects.length > 0, where };
  },
  async remove(call, role, id) {
    await graphql(
      call,
      role,
      `mutation DrillRemoveTestIndicator { stixDomainObjectEdit(id: ${JSON.stringify(id)}) { delete } }`,
    );
  },
});
