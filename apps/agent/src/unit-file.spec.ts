import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installerUnit, unitScheduling } from '../../../test/support/agent/unit-scheduling';

const root = join(__dirname, '..', '..', '..');

describe('the systemd unit of the agent', () => {
  const shipped = unitScheduling(readFileSync(join(root, 'apps', 'agent', 'loa-agent.service'), 'utf8'));
  const installed = unitScheduling(installerUnit(readFileSync(join(root, 'deploy', 'agent', 'install.sh'), 'utf8')));

  it('runs the agent at a low real-time priority, ahead of ordinary processes but with every safeguard', () => {
    expect(shipped.policy).toBe('fifo');
    // Real-time, but below audio servers (PulseAudio asks for 5) and the kernel's threads (50 and up).
    expect(shipped.priority).toBeGreaterThanOrEqual(1);
    expect(shipped.priority).toBeLessThan(5);
    // Decoding and capture processes the agent starts must not inherit the real-time policy.
    expect(shipped.resetOnFork).toBe(true);
    // A thread that never blocks is killed (and restarted) rather than holding a core for ever.
    expect(shipped.rtTime).toMatch(/^\d+s$/);
    expect(shipped.nice).toBeLessThanOrEqual(-10);
    expect(shipped.ioClass).toBe('best-effort');
    expect(shipped.ioPriority).toBe(0);
  });

  it('is scheduled the same way when the one-line installer writes it', () => {
    expect(installed).toEqual(shipped);
  });
});
