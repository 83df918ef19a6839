import { onMounted, ref, shallowRef, type Ref } from 'vue';
import { downloadFile, messageOf, serverRoutes } from './api';

/**
 * An action a button starts: `busy` while it runs, so the button waits; the last error cleared first, and
 * the server's Vietnamese message shown when it refuses. Actions of one screen may share one `error`.
 */
export function useAction(error: Ref<string | null> = ref(null)) {
  const busy = ref(false);
  async function run(work: () => Promise<unknown>): Promise<void> {
    busy.value = true;
    error.value = null;
    try {
      await work();
    } catch (err) {
      error.value = messageOf(err);
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}

/** A panel's action: runs the work and hands its notice to `done`, or shows why the server refused. */
export function usePanelAction(done: (notice: string) => void) {
  const { error, run } = useAction();
  const act = (work: () => Promise<string>) => run(async () => done(await work()));
  return { error, act };
}

/**
 * A screen's export buttons: the formats the server has a route for (`route(ext)`), and a download of one
 * for the screen's query, saved under the server's file name (`fallbackName(ext)` when it gives none).
 */
export function useExports<F extends { ext: string }>(offered: readonly F[], route: (ext: string) => string, fallbackName: (ext: string) => string, error: Ref<string | null>) {
  const formats = shallowRef<readonly F[]>([]);
  const { busy: exporting, run } = useAction(error);
  onMounted(async () => {
    const routes = await serverRoutes();
    formats.value = offered.filter((f) => routes.has(route(f.ext)));
  });
  const download = (ext: string, query: URLSearchParams) => run(() => downloadFile(`${route(ext)}?${query.toString()}`, fallbackName(ext)));
  return { formats, exporting, download };
}
