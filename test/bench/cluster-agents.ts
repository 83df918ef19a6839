import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION, type PlaybackEvent, type ScheduleItem } from '@loa/protocol';
import { Link } from '../../apps/agent/src/link';
import { silentLogger } from '../../apps/agent/src/log';

/**
 * Simulated station agents for the cluster benchmark, each with the real agent's Link given every server
 * instance (agent i starts on instance i mod n, then moves down the list as a real agent does). On stdin
 * "go N" each agent reports the airings of round N (the items of its snapshot, `perRound` at a time) as
 * finished, and keeps resending what is not acknowledged on each new connection, like the agent's outbox.
 * Reports one JSON line of counts on stdout every 100 ms; "acked" lists acknowledged event ids at the end.
 */
interface Agent {
  link: Link;
  items: ScheduleItem[];
  synced: boolean;
  pending: Map<string, PlaybackEvent>;
  acked: Set<string>;
}

function main(): void {
  const { urls, tokens, perRound } = JSON.parse(readFileSync(process.argv[2], 'utf8')) as { urls: string[]; tokens: string[]; perRound: number };
  let errors = 0;
  const agents: Agent[] = tokens.map((token, i) => {
    const ordered = [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)];
    const agent: Agent = { link: null as unknown as Link, items: [], synced: false, pending: new Map(), acked: new Set() };
    const resend = () => {
      const events = [...agent.pending.values()];
      for (let k = 0; k < events.length; k += 500) agent.link.send({ type: 'events', events: events.slice(k, k + 500) });
    };
    agent.link = new Link({
      urls: ordered,
      token,
      log: { ...silentLogger, error: () => errors++ },
      backoffBaseMs: 500,
      backoffMaxMs: 5000,
      onOpen: () => {
        agent.synced = false;
        agent.link.send({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'bench', scheduleVersion: null, cached: [] });
      },
      onClose: () => (agent.synced = false),
      onFrame: (frame) => {
        if (frame.type === 'schedule') {
          agent.items = [...frame.snapshot.items].sort((a, b) => a.startAt.localeCompare(b.startAt));
          agent.synced = true;
          resend();
        } else if (frame.type === 'ack') {
          for (const id of frame.ids) if (agent.pending.delete(id)) agent.acked.add(id);
        } else if (frame.type === 'error') errors++;
      },
    });
    return agent;
  });
  for (const a of agents) a.link.start();

  const counts = () => ({
    connected: agents.filter((a) => a.link.connected).length,
    synced: agents.filter((a) => a.synced).length,
    pending: agents.reduce((n, a) => n + a.pending.size, 0),
    acked: agents.reduce((n, a) => n + a.acked.size, 0),
    errors,
  });
  const timer = setInterval(() => process.stdout.write(JSON.stringify(counts()) + '\n'), 100);
  let input = '';
  process.stdin.on('data', (d) => {
    input += d.toString();
    const lines = input.split('\n');
    input = lines.pop() ?? '';
    for (const line of lines) {
      const go = /^go (\d+)$/.exec(line.trim());
      if (!go) continue;
      const round = Number(go[1]);
      for (const a of agents) {
        for (const item of a.items.slice(round * perRound, (round + 1) * perRound)) {
          const id = randomUUID();
          a.pending.set(id, {
            id,
            kind: 'finished',
            occurrenceId: item.occurrenceId,
            slotId: item.slotId,
            plannedAt: item.startAt,
            startedAt: item.startAt,
            endedAt: new Date(Date.parse(item.startAt) + item.durationMs).toISOString(),
            startErrorMs: 0,
            playedMs: item.durationMs,
          });
        }
        const events = [...a.pending.values()];
        for (let k = 0; k < events.length; k += 500) a.link.send({ type: 'events', events: events.slice(k, k + 500) });
      }
    }
  });
  process.stdin.on('end', () => {
    clearInterval(timer);
    process.stdout.write(JSON.stringify({ ...counts(), ackedIds: agents.flatMap((a) => [...a.acked]) }) + '\n');
    void Promise.all(agents.map((a) => a.link.stop())).then(() => process.exit(0));
  });
}

main();
