import { ref } from 'vue';
import { messageOf } from './api';

/**
 * A panel's action: clears the last error, runs the work, hands its notice to `done`, or shows the
 * server's Vietnamese message when it refuses.
 */
export function usePanelAction(done: (notice: string) => void) {
  const error = ref<string | null>(null);
  async function act(work: () => Promise<string>) {
    error.value = null;
    try {
      done(await work());
    } catch (err) {
      error.value = messageOf(err);
    }
  }
  return { error, act };
}
