/** The stand-in TIP app's API personalities by name. */
import { mispApi } from './misp';
import { openctiApi } from './opencti';
import type { ApiContext, ApiHandler, PersonalityName } from './personality';
import { threatconnectApi } from './threatconnect';

export * from './data';
export * from './personality';
export * from './secretFile';
export * from './versions';

import { withRecovery } from './recovery';

/** Each personality with the recovery-state and test-indicator answers in front (recovery.ts). */
export const PERSONALITIES: Record<PersonalityName, (context: ApiContext) => ApiHandler> = {
  threatconnect: (context) => withRecovery('threatconnect', context, threatconnectApi(context)),
  opencti: (context) => withRecovery('opencti', context, openctiApi(context)),
  misp: (context) => withRecovery('misp', context, mispApi(context)),
};
export { LAB_MISP_UUID, LAB_TAXII_COLLECTION, STANDIN_RELEASES, withRecovery } from './recovery';
export { mispApi } from './misp';
export { openctiApi } from './opencti';
export { threatconnectApi } from './threatconnect';
