import { describe, expect, it } from 'vitest';
import { dashboardBasePath } from './base';

describe('dashboardBasePath', () => {
  it('is the folder of the base URI, without its trailing slash', () => {
    expect(dashboardBasePath('http://host:2802/')).toBe('');
    expect(dashboardBasePath('http://host/peregrine/')).toBe('/peregrine');
    expect(dashboardBasePath('http://host/a/b/index.html')).toBe('/a/b');
  });
});
