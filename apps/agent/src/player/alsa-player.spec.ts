import type { RunResult } from '@loa/process';
import { FakeAgentClock } from '../../../../test/support/agent/clock';
import { FakeProcessRunner, type FakeChild } from '../../../../test/support/fakes/process.fake';
import { agentItem as item } from '../../../../test/support/agent/items';
import { AlsaPlayer, LEAD_MS } from './alsa-player';
import { SAMPLE_RATE } from './player';

/** A runner whose ffprobe says the file is mono, and whose ffmpeg probe answers as `probe` says. */
function runner(probe: () => Partial<RunResult> | Error = () => ({ code: 0 })): FakeProcessRunner {
  return new FakeProcessRunner((command) => (command.endsWith('ffprobe') ? { stdout: Buffer.from('1\n') } : probe()));
}

const turn = () => new Promise((r) => setImmediate(r));

/** Prepares a programme on the fake runner, the decoder giving `seconds` of mono audio and ending. */
async function prepared(player: AlsaPlayer, processes: FakeProcessRunner, seconds = 2) {
  const before = processes.started.length;
  const preparing = player.prepare(item('occ-1', 1_800_000_060_000), '/cache/a.mp3');
  while (processes.started.length < before + 2) await turn();
  const [decoder, output] = processes.started.slice(before).map((s) => s.child) as [FakeChild, FakeChild];
  decoder.stdout.write(Buffer.alloc(Math.round(SAMPLE_RATE * seconds) * 2, 1));
  return { prepared: await preparing, decoder, output };
}

describe('AlsaPlayer on a fake process runner', () => {
  it('starts the decoder and a waiting aplay ahead, and at the instant writes the go line and the first lead of audio at once', async () => {
    const processes = runner();
    const env = { LOA_TEST: '1' };
    const player = new AlsaPlayer('hw:1,0', new FakeAgentClock(), { processes, env });
    const { prepared: p, decoder, output } = await prepared(player, processes);

    const [dec, out] = processes.started;
    expect(dec.command).toMatch(/ffmpeg$/);
    expect(dec.args).toEqual(expect.arrayContaining(['-i', '/cache/a.mp3', '-ac', '1', 'pipe:1']));
    expect(dec.options.env).toBe(env);
    expect(out.command).toBe('sh');
    // A hw: card is opened only at the instant, once the go line arrives; nothing reached it before.
    expect(out.args.slice(0, 4)).toEqual(['-c', 'read -r go <&3 && exec "$@"', 'sh', 'aplay']);
    expect(out.args).toEqual(expect.arrayContaining(['-D', 'hw:1,0', '-c', '1']));
    expect(out.options.stdio).toEqual(['pipe', 'pipe', 'pipe', 'pipe']);
    expect(out.options.env).toBe(env);
    expect(output.stdin.chunks).toHaveLength(0);
    expect(output.stdio[3].chunks).toHaveLength(0);

    const playback = player.start(p);
    // Within start() itself, with no turn of the event loop: the go line, then LEAD_MS of audio.
    expect(Buffer.concat(output.stdio[3].chunks).toString()).toBe('go\n');
    const lead = Math.floor((LEAD_MS * SAMPLE_RATE) / 1000) * 2;
    expect(output.stdin.bytes().length).toBeGreaterThanOrEqual(lead);
    expect(output.stdin.bytes().length).toBeLessThan(lead + SAMPLE_RATE * 2);
    playback.stop();
    expect(decoder.kills).toContain('SIGKILL');
    expect(output.kills).toContain('SIGKILL');
    await expect(playback.finished).resolves.toMatchObject({ stopped: true });
  });

  it('opens a shared device as soon as aplay starts', async () => {
    const processes = runner();
    const player = new AlsaPlayer('default', new FakeAgentClock(), { processes });
    const { prepared: p } = await prepared(player, processes);
    expect(processes.started[1].args.slice(0, 2)).toEqual(['-c', 'exec "$@"']);
    p.release();
    expect(processes.started.every((s) => s.child.kills.includes('SIGKILL'))).toBe(true);
  });

  it('counts a clean exit of aplay as the whole programme played, and reports the device words when aplay fails', async () => {
    const clock = new FakeAgentClock();
    const processes = runner();
    const player = new AlsaPlayer('hw:1,0', clock, { processes });

    const first = await prepared(player, processes);
    const played = player.start(first.prepared);
    clock.now += 5_000;
    first.output.exit(0);
    await expect(played.finished).resolves.toEqual({ endedAt: clock.now, playedMs: 60_000, stopped: false });
    expect(first.decoder.kills).toContain('SIGKILL');
    expect(player.health()).toMatchObject({ device: 'hw:1,0', ok: true });

    const second = await prepared(player, processes);
    const failed = player.start(second.prepared);
    clock.now += 1_500;
    second.output.stderr.write('aplay: main:831: audio open error: Device or resource busy\n');
    await turn();
    second.output.exit(1);
    const result = await failed.finished;
    expect(result).toMatchObject({ playedMs: 1_500, stopped: false });
    expect(result.error).toMatch(/^Lỗi thiết bị âm thanh "hw:1,0" \(aplay thoát mã 1\): .*Device or resource busy/);
    expect(player.health()).toMatchObject({ ok: false, error: result.error });
  });

  it('fails the prepare and kills both processes when the decoder gives no audio', async () => {
    const processes = runner();
    const player = new AlsaPlayer('hw:1,0', new FakeAgentClock(), { processes });
    const preparing = player.prepare(item('occ-2', 1_800_000_060_000), '/cache/bad.mp3');
    while (processes.started.length < 2) await turn();
    const [decoder, output] = processes.started.map((s) => s.child);
    decoder.stderr.write('/cache/bad.mp3: Invalid data found when processing input\n');
    await turn();
    decoder.stdout.end();
    await expect(preparing).rejects.toThrow(/giải mã thất bại: .*Invalid data found/);
    expect(decoder.kills).toContain('SIGKILL');
    expect(output.kills).toContain('SIGKILL');
  });

  it('probes the device with a short silence, mono then stereo, and keeps the device words', async () => {
    const processes = runner(() => ({ code: 1, stderr: '[alsa @ 0x55d1] cannot open audio device hw:7,0 (No such file or directory)\n' }));
    const player = new AlsaPlayer('hw:7,0', new FakeAgentClock(), { processes });
    const health = await player.probe();
    expect(health).toMatchObject({ device: 'hw:7,0', ok: false });
    expect(health.error).toMatch(/^Không mở được thiết bị âm thanh "hw:7,0": .*cannot open audio device hw:7,0/);
    const probes = processes.calls.filter((c) => c.command.endsWith('ffmpeg'));
    expect(probes.map((c) => c.args[c.args.indexOf('-ac') + 1])).toEqual(['1', '2']);
    expect(probes[0].args.slice(-3)).toEqual(['-f', 'alsa', 'hw:7,0']);
    expect(probes[0].options.input).toHaveLength(SAMPLE_RATE / 10 * 2);
    expect(probes[0].options.timeoutMs).toBeGreaterThan(0);

    const stereoOnly = new FakeProcessRunner((_c, args) => ({ code: args[args.indexOf('-ac') + 1] === '2' ? 0 : 1 }));
    await expect(new AlsaPlayer('hw:2,0', new FakeAgentClock(), { processes: stereoOnly }).probe()).resolves.toMatchObject({ ok: true, error: null });

    const noFfmpeg = runner(() => Object.assign(new Error('spawn ffmpeg ENOENT'), { code: 'ENOENT' }));
    const missing = await new AlsaPlayer('hw:0,0', new FakeAgentClock(), { processes: noFfmpeg }).probe();
    expect(missing.error).toContain('không chạy được ffmpeg: spawn ffmpeg ENOENT');
  });

  it('says the device hung when the probe outlives its timeout', async () => {
    const processes = runner(() => ({ code: 128, timedOut: true, stderr: '' }));
    const health = await new AlsaPlayer('hw:3,0', new FakeAgentClock(), { processes }).probe();
    expect(health.error).toContain('thiết bị không phản hồi sau 10 giây');
  });
});
