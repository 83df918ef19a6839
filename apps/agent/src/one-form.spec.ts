import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = __dirname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `file:line` of every line of the agent's sources that matches `re`. */
function find(re: RegExp): string[] {
  return sources(SRC).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (re.test(line) ? [`${relative(SRC, file)}:${i + 1}`] : [])),
  );
}

describe('the agent keeps one way to do each thing', () => {
  it('starts every program through the process runner', () => {
    expect(find(/(^|[^.\w])(spawn|spawnSync|execFile|execFileSync|exec|execSync|fork)\(/)).toEqual([]);
    // Its types may be named; its functions are the runner's alone.
    expect(find(/^import (?!type ).*from 'node:child_process'/)).toEqual([]);
  });

  it('reads an instant from its text only with the shared helper', () => {
    expect(find(/Date\.parse\(/)).toEqual([]);
  });

  it('reads instants from their text only at the edges where the text comes in', () => {
    // Everything inside passes epoch milliseconds (a schedule item's `startMs`); text is written only
    // where something leaves the agent.
    const edges = new Set(find(/fromInstant\(/).map((at) => at.slice(0, at.lastIndexOf(':'))));
    expect([...edges].sort()).toEqual([
      'console/announcements.ts', // the saved rows of the box's own announcements
      'console/console-server.ts', // the console's HTTP input
      'live/live-receiver.ts', // a live round's start frame
      'schedule-items.ts', // a schedule snapshot, from the server or from the disk
    ]);
  });
});
