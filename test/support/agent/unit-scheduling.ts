/** How a systemd unit schedules the agent: the [Service] lines the start-precision bench reproduces. */
export interface UnitScheduling {
  nice: number | null;
  /** CPUSchedulingPolicy=, lower case as systemd spells it (other, batch, idle, fifo, rr). */
  policy: string | null;
  priority: number | null;
  resetOnFork: boolean;
  /** LimitRTTIME= as written. */
  rtTime: string | null;
  ioClass: string | null;
  ioPriority: number | null;
}

/** Reads the scheduling lines of a unit's [Service] section; a line missing is null. */
export function unitScheduling(unitText: string): UnitScheduling {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (section === 'Service' && eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const num = (k: string) => (values.has(k) ? Number(values.get(k)) : null);
  return {
    nice: num('Nice'),
    policy: values.get('CPUSchedulingPolicy') ?? null,
    priority: num('CPUSchedulingPriority'),
    resetOnFork: /^(yes|true|on|1)$/i.test(values.get('CPUSchedulingResetOnFork') ?? ''),
    rtTime: values.get('LimitRTTIME') ?? null,
    ioClass: values.get('IOSchedulingClass') ?? null,
    ioPriority: num('IOSchedulingPriority'),
  };
}

/** The unit install.sh writes: the text of its heredoc. */
export function installerUnit(installSh: string): string {
  const m = /<<UNIT_EOF\n([\s\S]*?)\nUNIT_EOF\n/.exec(installSh);
  if (!m) throw new Error('install.sh writes no unit between <<UNIT_EOF and UNIT_EOF');
  return m[1];
}
