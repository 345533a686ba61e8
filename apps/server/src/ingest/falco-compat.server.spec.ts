import { describe, expect, it } from 'vitest';
import { plainHttpPaths } from './falco-compat.server';

describe('tlsserver.notlspaths', () => {
  it("takes falcosidekick's route names and sets aside the others, as falcosidekick warns and goes on", () => {
    expect(plainHttpPaths(['/ping', '/healthz', '/ping', '/debug/vars', 'healthz'])).toEqual({ served: ['/ping', '/healthz'], unknown: ['/debug/vars', 'healthz'] });
    expect(plainHttpPaths(['/', '/test', '/metrics'])).toEqual({ served: ['/', '/test', '/metrics'], unknown: [] });
    expect(plainHttpPaths([])).toEqual({ served: [], unknown: [] });
  });
});
