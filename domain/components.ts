/**
 * The component kinds a plan can name. Each kind registers its types here from its own folder
 * (kinds/<kind>/types.ts, `declare module` merging into ComponentKinds), so the domain names no kind
 * and a new kind is a new folder, not an edit here.
 */

/** Kind name to that kind's component type(s); filled by kinds/<kind>/types.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface merged into by every kind
export interface ComponentKinds {}

export type Component = ComponentKinds[keyof ComponentKinds];
export type ComponentKind = keyof ComponentKinds;
export type ComponentOfKind<K extends ComponentKind> = ComponentKinds[K];
