import { computed, ref } from 'vue';
import { api, getToken, setToken, whenUnauthorized } from './api';
import type { LoginResult, Role, SessionView, UserView as User } from '@loa/api-types';

const USER_KEY = 'loa.user';
export const user = ref<User | null>(null);
/** Why the user was sent back to the sign-in page, if not by choice. */
export const signOutReason = ref<string | null>(null);

/** What each role may do; the server enforces the same, this only hides what would be refused. */
export const can = computed(() => {
  const role: Role | undefined = user.value?.role;
  return {
    upload: role === 'admin' || role === 'editor' || role === 'operator',
    schedule: role === 'admin' || role === 'editor',
    approve: role === 'admin' || role === 'approver',
    administer: role === 'admin',
    /** Live relays: the server lets admins and editors start them. */
    relay: role === 'admin' || role === 'editor',
    /** Emergencies: also a commune operator, on its own stations only. */
    emergency: role === 'admin' || role === 'editor' || role === 'operator',
  };
});

export async function signIn(username: string, password: string): Promise<void> {
  const res = await api<LoginResult>('POST', '/api/auth/login', { username, password });
  setToken(res.accessToken);
  user.value = res.user;
  sessionStorage.setItem(USER_KEY, JSON.stringify(res.user));
  signOutReason.value = null;
}

export function signOut(reason: string | null = null): void {
  setToken(null);
  sessionStorage.removeItem(USER_KEY);
  user.value = null;
  signOutReason.value = reason;
}

/** After a page reload: the token in this tab's storage, if still valid, signs the user back in. */
export async function restore(): Promise<void> {
  if (!getToken()) return;
  try {
    const me = await api<SessionView>('GET', '/api/auth/me');
    // The token decides who this is; the name kept from sign-in is only for display.
    const kept = JSON.parse(sessionStorage.getItem(USER_KEY) ?? 'null') as User | null;
    const displayName = kept?.id === me.userId ? kept.displayName : me.username;
    user.value = { id: me.userId, username: me.username, displayName, role: me.role, unitId: me.unitId };
  } catch {
    setToken(null);
    sessionStorage.removeItem(USER_KEY);
  }
}

export function onSessionEnd(handler: () => void): void {
  whenUnauthorized(handler);
}
