import { signal } from '@preact/signals';

/**
 * A signed-in user's token and scope. The explorer keeps the same object under the same key, so one
 * sign-in serves both, in every tab of the browser, until the token expires or the user signs out.
 */
export interface Session {
  token: string;
  user: string;
  domainId: string;
  /** Not kept by the explorer's sign-in. */
  domainName?: string;
  projectId: string;
  projectName: string;
  expiresAt: string;
}

const KEY = 'versionary-session';

function load(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export const session = signal<Session | null>(load());

export function keep(s: Session | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  session.value = s;
}

// A sign-in, a project switch or a sign-out in another tab applies here too.
addEventListener('storage', (event) => {
  if (event.key === KEY || event.key === null) session.value = load();
});

interface TokenAnswer {
  token: {
    expires_at: string;
    user: { name: string; domain: { id: string; name: string } };
    project?: { id: string; name: string };
  };
  error_msg?: string;
}

async function tokenFor(auth: unknown): Promise<Session> {
  const res = await fetch('/v3/auth/tokens?nocatalog=true', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth }),
  });
  const body = (await res.json().catch(() => ({}))) as TokenAnswer;
  if (res.status !== 201) throw new Error(body.error_msg ?? `Sign-in failed (${res.status}).`);
  const t = body.token;
  return {
    token: res.headers.get('X-Subject-Token') ?? '',
    user: t.user.name,
    domainId: t.user.domain.id,
    domainName: t.user.domain.name,
    projectId: t.project?.id ?? '',
    projectName: t.project?.name ?? '',
    expiresAt: t.expires_at,
  };
}

export async function signIn(form: { user: string; password: string; domain: string; project: string }) {
  const user = { name: form.user, password: form.password, ...(form.domain ? { domain: { name: form.domain } } : {}) };
  const scope = form.project ? { project: { name: form.project } } : undefined;
  keep(await tokenFor({ identity: { methods: ['password'], password: { user } }, scope }));
}

/** A token for another project of the user's domain, traded for the current one (Keystone's token method). */
export async function switchProject(projectId: string): Promise<void> {
  const current = session.value;
  if (!current) throw new Error('Not signed in.');
  const next = await tokenFor({
    identity: { methods: ['token'], token: { id: current.token } },
    scope: { project: { id: projectId } },
  });
  keep(next);
}

export function signOut(): void {
  keep(null);
}
