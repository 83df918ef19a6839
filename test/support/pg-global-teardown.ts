import type { PgCluster } from './postgres';

export default function pgGlobalTeardown(): void {
  const holder = globalThis as { loaPgCluster?: PgCluster };
  holder.loaPgCluster?.stop();
  delete holder.loaPgCluster;
}
