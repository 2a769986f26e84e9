import { describe, expect, it } from 'vitest';
import { initialTenant, isTenantId } from './signin';

describe('initialTenant', () => {
  it('takes the tenant from the URL first', () => {
    expect(initialTenant('?tenant=demo', 'acme')).toBe('demo');
    expect(initialTenant('?x=1&tenant=Demo', '')).toBe('demo');
  });

  it('falls back to the last tenant, then to none', () => {
    expect(initialTenant('', 'acme')).toBe('acme');
    expect(initialTenant('?tenant=', 'acme')).toBe('acme');
    expect(initialTenant('', '')).toBe('');
  });

  it('ignores what is not a tenant id', () => {
    expect(initialTenant('?tenant=%3Cscript%3E', '')).toBe('');
    expect(initialTenant('?tenant=a', 'bad id')).toBe('');
    expect(isTenantId('-demo')).toBe(false);
    expect(isTenantId('demo-2')).toBe(true);
  });
});
