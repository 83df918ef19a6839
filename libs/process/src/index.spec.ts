import { ProcessRunner } from './index';

const node = process.execPath;

describe('ProcessRunner', () => {
  const runner = new ProcessRunner();

  it('collects what a program writes and its exit code, with its input given', async () => {
    const result = await runner.run(node, ['-e', 'process.stdin.pipe(process.stdout); process.stderr.write("chú ý"); process.stdin.on("end", () => process.exitCode = 3)'], { input: 'xin chào' });
    expect(result).toMatchObject({ code: 3, signal: null, stderr: 'chú ý', timedOut: false });
    expect(result.stdout.toString('utf8')).toBe('xin chào');
  });

  it('kills a program that outlives its timeout and says so', async () => {
    const result = await runner.run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 });
    expect(result).toMatchObject({ code: 128, signal: 'SIGKILL', timedOut: true });
  });

  it('kills a program when its caller aborts', async () => {
    const abort = new AbortController();
    const running = runner.run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { signal: abort.signal, timeoutMs: 60_000 });
    setTimeout(() => abort.abort(), 200);
    await expect(running).resolves.toMatchObject({ signal: 'SIGKILL', timedOut: false });
  });

  it('rejects when the program does not exist', async () => {
    await expect(runner.run('/nonexistent/loa-no-such-program', [])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('starts a piped program whose streams the caller drives', async () => {
    const child = runner.startPiped(node, ['-e', 'process.stdin.pipe(process.stdout)']);
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stdin.end('ping');
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(Buffer.concat(out).toString()).toBe('ping');
  });
});

describe('ProcessRunner.runSync', () => {
  const runner = new ProcessRunner();

  it('collects what a program writes and its exit code, with its input given', () => {
    const result = runner.runSync(node, ['-e', 'process.stdin.pipe(process.stdout); process.stderr.write("chú ý"); process.stdin.on("end", () => process.exitCode = 3)'], { input: 'xin chào' });
    expect(result).toMatchObject({ code: 3, signal: null, stderr: 'chú ý', timedOut: false });
    expect(result.stdout.toString('utf8')).toBe('xin chào');
  });

  it('passes the environment it is given', () => {
    const result = runner.runSync(node, ['-e', 'process.stdout.write(process.env.LOA_PROBE ?? "none")'], { env: { LOA_PROBE: 'có' } });
    expect(result.stdout.toString('utf8')).toBe('có');
  });

  it('kills a program that outlives its timeout and says so', () => {
    const result = runner.runSync(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 });
    expect(result).toMatchObject({ code: 128, signal: 'SIGKILL', timedOut: true });
  });

  it('throws when the program does not exist', () => {
    expect(() => runner.runSync('/nonexistent/loa-no-such-program', [])).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
