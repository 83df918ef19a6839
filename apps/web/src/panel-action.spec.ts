import { ref } from 'vue';
import { describe, expect, it, vi } from 'vitest';
import { useAction, usePanelAction } from './panel-action';

// The API client reads the browser's session storage when loaded; these actions need only its messages.
vi.mock('./api', () => ({ downloadFile: vi.fn(), serverRoutes: vi.fn(), messageOf: (e: unknown) => `refused: ${(e as Error).message}` }));

describe('an action a console button starts', () => {
  it('is busy while it runs, clears the last error first, and is idle again once done', async () => {
    const { busy, error, run } = useAction(ref('old error'));
    let release!: () => void;
    const running = run(() => new Promise<void>((resolve) => (release = resolve)));
    expect(busy.value).toBe(true);
    expect(error.value).toBeNull();
    release();
    await running;
    expect(busy.value).toBe(false);
    expect(error.value).toBeNull();
  });

  it('shows why the server refused, and lets the button be pressed again', async () => {
    const { busy, error, run } = useAction();
    await run(() => Promise.reject(new Error('no such station')));
    expect(error.value).toBe('refused: no such station');
    expect(busy.value).toBe(false);
  });

  it('shares its error with the other actions of a screen, each busy on its own', async () => {
    const { busy: loading, error, run: load } = useAction();
    const { busy: exporting, run: download } = useAction(error);
    await download(() => Promise.reject(new Error('export failed')));
    expect(error.value).toBe('refused: export failed');
    let release!: () => void;
    const running = load(() => new Promise<void>((resolve) => (release = resolve)));
    expect(error.value).toBeNull();
    expect([loading.value, exporting.value]).toEqual([true, false]);
    release();
    await running;
  });

  it('hands a panel’s notice on only when the work succeeds', async () => {
    const notices: string[] = [];
    const { error, act } = usePanelAction((n) => notices.push(n));
    await act(() => Promise.resolve('Đã lưu.'));
    await act(() => Promise.reject(new Error('trùng tên')));
    expect(notices).toEqual(['Đã lưu.']);
    expect(error.value).toBe('refused: trùng tên');
  });
});
