import { ffmpegPath } from '@loa/ffmpeg';
import { FakeProcessRunner } from '../../../test/support/fakes/process.fake';
import { AGENT_MAIN, makeDemoChime, startDemoAgent, stopDemoAgents } from './demo-processes';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the demo’s processes, on a fake process runner', () => {
  it('starts each agent with this Node, the built agent, its own settings on top of the environment, and its output piped', () => {
    const runner = new FakeProcessRunner();
    startDemoAgent(runner, 'cam-binh', { LOA_SERVER_URL: 'http://localhost:3000', LOA_PLAYER: 'file' }, () => undefined);
    const [started] = runner.started;
    expect(started.command).toBe(process.execPath);
    expect(started.args).toEqual([AGENT_MAIN]);
    expect(AGENT_MAIN).toMatch(/apps\/agent\/src\/main\.js$/);
    expect(started.options.stdio).toEqual(['ignore', 'pipe', 'pipe']);
    expect(started.options.env).toMatchObject({ LOA_SERVER_URL: 'http://localhost:3000', LOA_PLAYER: 'file', PATH: process.env.PATH });
  });

  it('prints each non-empty line an agent writes, on either stream, behind its station’s code', async () => {
    const runner = new FakeProcessRunner();
    const lines: string[] = [];
    startDemoAgent(runner, 'cam-vinh', {}, (l) => lines.push(l));
    runner.only().stdout.write('đã kết nối\n\n  \n');
    runner.only().stderr.write('mất kết nối\n');
    await settle();
    expect(lines).toEqual(['[cam-vinh] đã kết nối', '[cam-vinh] mất kết nối']);
  });

  it('stopping asks each running agent to stop with SIGTERM and waits for each to exit; one already gone is left alone', async () => {
    const runner = new FakeProcessRunner();
    const agents = ['a', 'b', 'c'].map((code) => startDemoAgent(runner, code, {}, () => undefined));
    const [gone, running, crashed] = runner.started.map((s) => s.child);
    gone.exit(0);
    crashed.exit(null, 'SIGSEGV');
    let stopped = false;
    const stopping = stopDemoAgents(agents).then(() => (stopped = true));
    expect(running.kills).toEqual(['SIGTERM']);
    expect(gone.kills).toEqual([]);
    expect(crashed.kills).toEqual([]);
    expect(stopped).toBe(false);
    await stopping;
    expect(running.exitCode ?? running.signalCode).toBe('SIGTERM');
  });

  it('makes the demo chime with the configured ffmpeg and says what ffmpeg complained of when it fails', async () => {
    const ok = new FakeProcessRunner();
    await makeDemoChime(ok, '/media/tmp/demo.wav');
    expect(ok.calls).toHaveLength(1);
    expect(ok.calls[0].command).toBe(ffmpegPath());
    expect(ok.calls[0].args.slice(-3)).toEqual(['-filter_complex', '[0][1][2][3]concat=n=4:v=0:a=1,volume=0.5', '/media/tmp/demo.wav']);
    expect(ok.calls[0].args.filter((a) => a.startsWith('sine='))).toHaveLength(4);

    const failing = new FakeProcessRunner(() => ({ code: 1, stderr: 'Unknown encoder\n' }));
    await expect(makeDemoChime(failing, '/media/tmp/demo.wav')).rejects.toThrow('ffmpeg không tạo được chương trình mẫu (ffmpeg could not make the demo programme, exit 1): Unknown encoder');
  });
});
