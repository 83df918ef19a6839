import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions, isAgentOutdated, LOA_VERSION } from './version';

describe('versions', () => {
  it('is the version package.json releases', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(LOA_VERSION).toBe(pkg.version);
  });

  it('orders versions by their numbers, not as text', () => {
    expect(compareVersions('0.10.0', '0.9.7')).toBe(1);
    expect(compareVersions('0.9.7', '0.10.0')).toBe(-1);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
    expect(compareVersions('v1.2.3-rc.1', '1.2.3')).toBe(0);
    expect(compareVersions('abc', '1.0.0')).toBeNull();
  });

  it('calls an agent outdated only when it reports an older version', () => {
    expect(isAgentOutdated('0.0.9', '0.1.0')).toBe(true);
    expect(isAgentOutdated('0.1.0', '0.1.0')).toBe(false);
    expect(isAgentOutdated('0.2.0', '0.1.0')).toBe(false);
    expect(isAgentOutdated(null)).toBeNull();
    expect(isAgentOutdated('dev-build')).toBeNull();
  });
});
