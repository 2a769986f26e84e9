// Which tenant the sign-in form starts with: `?tenant=` in the console's URL
// (the start-up banner prints it), else the last one signed in to in this
// browser, else none (the server finds it from the e-mail when only one
// tenant has that e-mail).
const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function isTenantId(value: string): boolean {
  return TENANT_PATTERN.test(value);
}

export function initialTenant(search: string, lastTenantId: string): string {
  const fromUrl = new URLSearchParams(search).get('tenant')?.trim().toLowerCase() ?? '';
  if (isTenantId(fromUrl)) return fromUrl;
  return isTenantId(lastTenantId) ? lastTenantId : '';
}
