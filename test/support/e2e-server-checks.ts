import { startedServers } from './processes';

// A server that sent a query to a PostgreSQL connection already running one fails the spec file that
// started it (pg 8 queues the query with a warning; pg 9 refuses it).
afterAll(() => {
  const overlapping = startedServers.filter((s) => s.pgOverlap);
  startedServers.length = 0;
  if (overlapping.length) throw new Error(`${overlapping.length} server process(es) sent a query to a PostgreSQL connection already running one:\n${overlapping[0].text.slice(-3000)}`);
});
