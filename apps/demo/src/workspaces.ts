/** The demo's workspaces (tenants). Any other id is a 404: nothing is stored for it. */
export const WORKSPACES: Readonly<Record<string, { readonly name: string }>> = Object.freeze({
  acme: { name: 'Acme Corp' },
  globex: { name: 'Globex' },
});

/** The pages a workspace serves through the cache. */
export const PAGES: readonly string[] = Object.freeze(['home', 'campaigns', 'analytics', 'settings']);

export const isWorkspace = (id: string): boolean => Object.hasOwn(WORKSPACES, id);
