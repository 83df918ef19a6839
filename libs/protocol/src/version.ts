/**
 * The release of Loa this code belongs to: the server and the agent are built together, so an agent
 * reporting an older one runs code the server has moved past. Kept equal to package.json's version.
 */
export const LOA_VERSION = '0.1.0';

/**
 * Orders two dotted versions ("0.10.2" > "0.9.7") by their numeric parts; anything after a '-' or '+'
 * is ignored. Null when either is not a version.
 */
export function compareVersions(a: string, b: string): number | null {
  const parse = (v: string) => {
    const core = v.trim().replace(/^v/i, '').split(/[-+]/)[0];
    return /^\d+(\.\d+)*$/.test(core) ? core.split('.').map(Number) : null;
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** True when the agent's version is older than this release; null when it is unknown or not a version. */
export function isAgentOutdated(agentVersion: string | null | undefined, current: string = LOA_VERSION): boolean | null {
  if (!agentVersion) return null;
  const c = compareVersions(agentVersion, current);
  return c === null ? null : c < 0;
}
