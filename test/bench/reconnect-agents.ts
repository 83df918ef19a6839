import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION } from '@loa/protocol';
import { Link } from '../../apps/agent/src/link';
import { silentLogger } from '../../apps/agent/src/log';

/**
 * Many simulated station agents in one process, each with the real agent's Link (its backoff and
 * jitter): it says hello on every connection and counts as synced when a schedule snapshot arrives.
 * Reads `{ wsUrl, tokens }` from the file named on the command line; reports JSON lines on stdout.
 * On stdin "reset" it forgets who is synced (the parent is about to restart the server).
 */
function main(): void {
  const { wsUrl, tokens } = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { wsUrl: string; tokens: string[] };
  let epoch = 0;
  const synced = new Set<number>();
  let closes = 0;
  let errors = 0;
  const links = tokens.map((token, i) => {
    const link: Link = new Link({
      urls: [wsUrl],
      token,
      log: { ...silentLogger, error: () => errors++ },
      onOpen: () => link.send({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'bench', scheduleVersion: null, cached: [] }),
      onClose: () => closes++,
      onFrame: (frame) => {
        if (frame.type === 'schedule') synced.add(i);
        if (frame.type === 'error') errors++;
      },
    });
    return link;
  });
  for (const link of links) link.start();

  const report = () => process.stdout.write(JSON.stringify({ epoch, synced: synced.size, closes, errors }) + '\n');
  setInterval(report, 100).unref();
  process.stdin.on('data', (d) => {
    if (d.toString().includes('reset')) {
      epoch++;
      synced.clear();
      report();
    }
  });
  process.stdin.on('end', () => {
    void Promise.all(links.map((l) => l.stop())).then(() => process.exit(0));
  });
}

main();
