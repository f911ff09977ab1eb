/**
 * What the stand-in answers for the TIP's recovery state and the drill's test indicator, in front of
 * each personality (answered first; the rest goes to the personality):
 * - MISP: `/servers/getVersion` with the instance `uuid` (and --release's version);
 *   `POST /attributes/add/<event>` and `POST /attributes/delete/<id>` (PyMISP's add_attribute,
 *   delete_attribute); `restSearch` filtered by `value`; the text export
 *   `GET /attributes/text/download/ip-dst` (one value a line).
 * - OpenCTI: GraphQL `indicatorAdd`, `stixDomainObjectEdit(id) { delete }`, `indicators(search:)`,
 *   `settings { platform_modules }` and `about` (--release); TAXII 2.1
 *   `GET /taxii2/root/collections/<id>/objects/` (an envelope; `match[id]`).
 * - ThreatConnect: `GET /v3/openApi` (info.version), `POST /v3/indicators`,
 *   `DELETE /v3/indicators/<id>`, `GET /v3/indicators?tql=summary EQ "…"` with `fields=attributes`.
 * Authentication is each platform's, as the personalities enforce it. The stand-in is not the
 * platform: it proves the drill's requests and its reading of the answers, not MISP's, OpenCTI's or
 * ThreatConnect's own behaviour (a real MISP exports only published IDS attributes, a real TAXII
 * server pages and filters far more).
 */
import { randomUUID, createHash } from 'node:crypto';
import type { LabelledIndicator } from './data';
import {
  header,
  type ApiContext,
  type ApiHandler,
  type ApiReply,
  type ApiRequest,
  type PersonalityName,
} from './personality';
import { authFailure } from './threatconnect';
import { releaseOf } from './versions';

/** The lab's MISP instance UUID: both sites of a DR pair keep it. */
export const LAB_MISP_UUID = '5f1c2a7e-9b3d-4c8e-a1f0-d0d0d0000001';
/** What each personality reports as its release unless started with --release: its --version default's (versions.ts). */
export const STANDIN_RELEASES: Record<PersonalityName, string> = {
  threatconnect: releaseOf('threatconnect').version,
  opencti: releaseOf('opencti').version,
  misp: releaseOf('misp').version,
};
/** The TAXII collection the OpenCTI stand-in serves (consumers of the lab plan read it). */
export const LAB_TAXII_COLLECTION = '8c2a7e0e-5b1c-4f0a-9d7e-6f3f0a1b2c3d';

const json = (body: unknown, status = 200): ApiReply => ({ status, body });
const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** A STIX id that stays the same for one indicator, as OpenCTI's standard_id does. */
const stixId = (i: { id: string; value: string }): string => {
  const hex = createHash('sha256').update(`${i.id}:${i.value}`).digest('hex');
  return `indicator--${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

async function labelled(context: ApiContext): Promise<LabelledIndicator[]> {
  return (await context.data.testIndicators?.list()) ?? [];
}

function misp(context: ApiContext, base: ApiHandler): ApiHandler {
  return async (request) => {
    const path = request.url.pathname.replace(/\.json$/, '');
    const known =
      path === '/servers/getVersion' ||
      path === '/attributes/restSearch' ||
      path.startsWith('/attributes/add/') ||
      path.startsWith('/attributes/delete/') ||
      path === '/attributes/text/download/ip-dst';
    if (!known) return undefined;
    if (header(request, 'authorization') !== context.credentials.secret) return base(request);
    const store = context.data.testIndicators;
    if (path === '/servers/getVersion' && request.method === 'GET') {
      const reply = await base(request);
      if (!reply || reply.status !== 200 || typeof reply.body !== 'object') return reply;
      return {
        ...reply,
        body: {
          ...(reply.body as object),
          ...(context.release ? { version: context.release } : {}),
          uuid: context.instanceUuid ?? LAB_MISP_UUID,
        },
      };
    }
    if (path === '/attributes/restSearch' && request.method === 'POST') {
      const filter = parse(request.body);
      if (typeof filter?.value !== 'string') return base(request);
      const all = await context.data.indicators(0, 100_000);
      const tests = new Map((await labelled(context)).map((i) => [i.id, i]));
      const Attribute = all
        .filter((i) => i.value === filter.value)
        .map((i) => ({
          id: String(i.id),
          event_id: String(filter.eventid ?? '1'),
          type: i.type === 'host' ? 'domain' : i.type,
          value: i.value,
          to_ids: true,
          comment: tests.get(String(i.id))?.label ?? '',
          uuid: randomUUID(),
        }));
      return {
        status: 200,
        headers: { 'x-result-count': String(Attribute.length) },
        body: { response: { Attribute } },
      };
    }
    if (path.startsWith('/attributes/add/') && request.method === 'POST' && store) {
      const body = parse(request.body);
      if (typeof body?.type !== 'string' || typeof body.value !== 'string')
        return json(
          {
            saved: false,
            name: 'Could not add Attribute',
            message: 'Could not add Attribute',
            url: path,
            errors: { value: ['Please enter a value'] },
          },
          403,
        );
      const added = await store.add(body.value, body.type, String(body.comment ?? ''));
      return json({
        Attribute: {
          id: added.id,
          event_id: path.split('/')[3],
          type: body.type,
          category: body.category ?? 'Network activity',
          value: body.value,
          to_ids: body.to_ids === true,
          comment: added.label,
          uuid: randomUUID(),
          deleted: false,
        },
      });
    }
    if (path.startsWith('/attributes/delete/') && request.method === 'POST' && store) {
      const removed = await store.remove(path.split('/')[3] ?? '');
      return removed
        ? json({ saved: true, success: true, name: 'Attribute deleted.', message: 'Attribute deleted.', url: path })
        : json({ name: 'Invalid attribute', message: 'Invalid attribute', url: path }, 404);
    }
    if (path === '/attributes/text/download/ip-dst' && request.method === 'GET') {
      const values = (await context.data.indicators(0, 100_000)).filter((i) => i.type === 'ip-dst').map((i) => i.value);
      return { status: 200, type: 'text/plain; charset=UTF-8', body: values.map((v) => `${v}\n`).join('') };
    }
    return undefined;
  };
}

const graphqlError = (message: string, code: string): ApiReply => ({
  status: 200,
  body: { errors: [{ message, extensions: { code } }], data: null },
});
const MODULES = [
  'CONNECTOR_MANAGER',
  'EXPIRATION_SCHEDULER',
  'RETENTION_MANAGER',
  'RULE_ENGINE',
  'PLAYBOOK_MANAGER',
  'SYNC_MANAGER',
];

function opencti(context: ApiContext): ApiHandler {
  const signedIn = (request: ApiRequest) => header(request, 'authorization') === `Bearer ${context.credentials.secret}`;
  return async (request) => {
    const store = context.data.testIndicators;
    const taxii = /^\/taxii2\/root\/collections\/([^/]+)\/objects\/?$/.exec(request.url.pathname);
    if (taxii && request.method === 'GET') {
      if (!signedIn(request))
        return {
          status: 401,
          type: 'application/taxii+json;version=2.1',
          body: { title: 'Unauthorized', http_status: '401' },
        };
      if (taxii[1] !== LAB_TAXII_COLLECTION)
        return {
          status: 404,
          type: 'application/taxii+json;version=2.1',
          body: { title: 'Collection not found', http_status: '404' },
        };
      const wanted = request.url.searchParams.get('match[id]');
      const objects = (await labelled(context))
        .map((i) => ({
          type: 'indicator',
          spec_version: '2.1',
          id: stixId(i),
          name: i.label,
          pattern: `[ipv4-addr:value = '${i.value}']`,
          pattern_type: 'stix',
          valid_from: i.createdAt,
          created: i.createdAt,
          modified: i.createdAt,
        }))
        .filter((o) => wanted === null || o.id === wanted);
      return { status: 200, type: 'application/taxii+json;version=2.1', body: { more: false, objects } };
    }
    if (request.method !== 'POST' || request.url.pathname !== '/graphql') return undefined;
    const text = typeof parse(request.body)?.query === 'string' ? (parse(request.body)?.query as string) : '';
    const ours =
      /\bindicatorAdd\b|\bstixDomainObjectEdit\b|\bindicators\s*\(\s*search:|\bplatform_modules\b/.test(text) ||
      (context.release !== undefined && /^\s*query\s+DrillVersion\b/.test(text));
    if (!ours) return undefined;
    if (!signedIn(request)) return graphqlError('You must be logged in to do this.', 'AUTH_REQUIRED');
    const string = (name: string) => {
      const found = new RegExp(`\\b${name}:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text)?.[1];
      return found === undefined ? undefined : (JSON.parse(found) as string);
    };
    if (/\bindicatorAdd\b/.test(text)) {
      const name = string('name');
      const pattern = string('pattern');
      const value = /ipv4-addr:value\s*=\s*'([^']+)'/.exec(pattern ?? '')?.[1];
      if (!name || !value || !store) return graphqlError('Indicator pattern or name missing', 'VALIDATION_ERROR');
      const added = await store.add(value, 'ipv4-addr', name);
      return json({ data: { indicatorAdd: { id: added.id, standard_id: stixId(added) } } });
    }
    if (/\bstixDomainObjectEdit\b/.test(text)) {
      const id = string('id') ?? '';
      if (!store || !(await store.remove(id)))
        return graphqlError('Cannot delete the object, element not found', 'NOT_FOUND');
      return json({ data: { stixDomainObjectEdit: { delete: id } } });
    }
    if (/\bindicators\s*\(\s*search:/.test(text)) {
      const search = string('search') ?? '';
      const edges = (await labelled(context))
        .filter((i) => i.label.includes(search))
        .map((i) => ({ node: { id: i.id, name: i.label, standard_id: stixId(i) } }));
      return json({ data: { indicators: { edges } } });
    }
    if (/\bplatform_modules\b/.test(text)) {
      // The managers run where this platform runs its jobs (the serving site).
      return json({
        data: {
          settings: {
            platform_modules: MODULES.map((id) => ({
              id,
              enable: true,
              running: context.monitorsEnabled,
              warning: false,
            })),
          },
        },
      });
    }
    return json({ data: { about: { version: context.release } } });
  };
}

function threatconnect(context: ApiContext): ApiHandler {
  return async (request) => {
    const path = request.url.pathname;
    const indicator = /^\/api\/v3\/indicators\/([^/]+)$/.exec(path);
    const mine =
      (path === '/api/v3/openApi' && request.method === 'GET') ||
      (path === '/api/v3/indicators' && (request.method === 'POST' || request.url.searchParams.has('tql'))) ||
      (indicator && request.method === 'DELETE');
    if (!mine) return undefined;
    const failure = authFailure(context, request);
    if (failure) return { status: 401, body: { status: 'Failure', message: failure } };
    const store = context.data.testIndicators;
    if (path === '/api/v3/openApi')
      return json({
        openapi: '3.0.1',
        info: { title: 'ThreatConnect v3 API', version: context.release ?? STANDIN_RELEASES.threatconnect },
        paths: {},
      });
    if (indicator) {
      const removed = store ? await store.remove(decodeURIComponent(indicator[1])) : false;
      return removed
        ? json({ status: 'Success', message: 'Deleted' })
        : json({ status: 'Failure', message: 'Not found' }, 404);
    }
    if (request.method === 'POST') {
      const body = parse(request.body);
      const attributes = (
        (body?.attributes as { data?: { type?: string; value?: string }[] } | undefined)?.data ?? []
      ).filter((a) => a.type === 'Description');
      if (body?.type !== 'Address' || typeof body.ip !== 'string' || !store)
        return json({ status: 'Failure', message: 'Address indicators need an ip' }, 400);
      const added = await store.add(body.ip, 'Address', attributes[0]?.value ?? '');
      return json(
        {
          status: 'Success',
          data: {
            id: Number(added.id),
            type: 'Address',
            ip: added.value,
            summary: added.value,
            dateAdded: added.createdAt,
            ownerName: 'Lab Org',
          },
        },
        201,
      );
    }
    // The stand-in reads `summary EQ "<value>"`, the one TQL the drill sends here.
    const summary = /summary\s+EQ\s+"([^"]*)"/i.exec(request.url.searchParams.get('tql') ?? '')?.[1];
    if (summary === undefined) return json({ status: 'Failure', message: 'Invalid TQL' }, 400);
    const tests = new Map((await labelled(context)).map((i) => [i.id, i]));
    const withAttributes = (request.url.searchParams.get('fields') ?? '').split(',').includes('attributes');
    const data = (await context.data.indicators(0, 100_000))
      .filter((i) => i.value === summary)
      .map((i) => ({
        id: i.id,
        type: i.type,
        summary: i.value,
        dateAdded: i.createdAt,
        ownerName: 'Lab Org',
        ...(withAttributes
          ? {
              attributes: {
                data: tests.has(String(i.id))
                  ? [{ type: 'Description', value: tests.get(String(i.id))?.label, default: true }]
                  : [],
              },
            }
          : {}),
      }));
    return json({ status: 'Success', data });
  };
}

/** The personality with the recovery-state and test-indicator answers in front of it. */
export function withRecovery(personality: PersonalityName, context: ApiContext, base: ApiHandler): ApiHandler {
  const front =
    personality === 'misp'
      ? misp(context, base)
      : personality === 'opencti'
        ? opencti(context)
        : threatconnect(context);
  return async (request) => (await front(request)) ?? base(request);
}
