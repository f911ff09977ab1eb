/** The stand-in TIP app's API personalities by name. */
import { mispApi } from './misp';
import { openctiApi } from './opencti';
import type { ApiContext, ApiHandler, PersonalityName } from './personality';
import { threatconnectApi } from './threatconnect';

export * from './data';
export * from './personality';
export * from './secretFile';
export * from './versions';

export const PERSONALITIES: Record<PersonalityName, (context: ApiContext) => ApiHandler> = {
  threatconnect: threatconnectApi,
  opencti: openctiApi,
  misp: mispApi,
};
export { mispApi } from './misp';
export { openctiApi } from './opencti';
export { threatconnectApi } from './threatconnect';
