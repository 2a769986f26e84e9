// Top level: signed out -> the sign-in form; signed in -> the console. An
// expired or refused token comes back here with a notice; drafts stay in
// sessionStorage, so signing in again brings them back.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, login } from './lib/api';
import { initialTenant } from './lib/signin';
import { clearAuth, clearDrafts, lastLogin, loadAuth, saveAuth, type Auth } from './lib/storage';
import { Console } from './console';

export function App() {
  const [auth, setAuth] = useState<Auth | null>(() => loadAuth());
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback(() => {
    clearAuth();
    clearDrafts();
    setNotice('You have signed out.');
    setAuth(null);
  }, []);

  // `reason`: the server's own words, when it gave some ("This agent has been disabled.").
  const expire = useCallback((reason?: string) => {
    clearAuth();
    setNotice(expiryNotice(reason));
    setAuth(null);
  }, []);

  if (!auth) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(a) => {
          saveAuth(a);
          setNotice(null);
          setAuth(a);
        }}
      />
    );
  }
  return <Console key={auth.token} auth={auth} onSignOut={signOut} onExpired={expire} />;
}

/** The sign-in form's notice after the session ended. */
export function expiryNotice(reason?: string): string {
  const why = reason?.trim();
  if (!why) return 'Your session has ended. Sign in again; your drafts are kept.';
  return `Your session has ended: ${/[.!?]$/.test(why) ? why : `${why}.`} Sign in again; your drafts are kept.`;
}

function SignIn(props: { notice: string | null; onSignedIn: (a: Auth) => void }) {
  const last = lastLogin();
  const [tenantId, setTenantId] = useState(() => initialTenant(location.search, last.tenantId));
  // The tenant field shows only when it is needed: the agent asks to change it, or the
  // server could not tell the tenant from the e-mail alone.
  const [tenantShown, setTenantShown] = useState(false);
  const [email, setEmail] = useState(last.email);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const firstEmpty = useRef<HTMLInputElement>(null);
  const tenantInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    firstEmpty.current?.focus();
  }, []);

  const showTenant = () => {
    setTenantShown(true);
    setTimeout(() => tenantInput.current?.focus(), 0);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const t = tenantId.trim();
    try {
      const r = await login(t === '' ? null : t, email.trim(), password);
      props.onSignedIn({
        token: r.token,
        expiresAt: r.expiresAt,
        tenantId: r.tenantId,
        email: email.trim(),
      });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        if (t === '') {
          setError(
            'Wrong e-mail or password. If your e-mail is used in several workspaces, enter the tenant id too.',
          );
          setTenantShown(true);
        } else {
          setError('Wrong tenant, e-mail or password.');
        }
      } else if (err instanceof ApiError && (err.status === 400 || err.status === 422)) {
        setError('Check the tenant id and e-mail address.');
      } else if (err instanceof ApiError && err.status === 429) {
        setError('Too many attempts. Wait a minute and try again.');
      } else {
        setError('The server could not be reached. Try again.');
      }
      setBusy(false);
    }
  };

  const focusFirst = !last.email ? 'email' : 'password';
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">webchat agent console</h1>
        {props.notice && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        {tenantShown ? (
          <label>
            Tenant id
            <input
              ref={tenantInput}
              name="tenantId"
              autocomplete="organization"
              autocapitalize="none"
              spellcheck={false}
              pattern="[a-z0-9][a-z0-9\-]{1,62}"
              value={tenantId}
              onInput={(e) => setTenantId(e.currentTarget.value)}
            />
          </label>
        ) : (
          tenantId !== '' && (
            <p class="tenant-line">
              Tenant <strong>{tenantId}</strong>{' '}
              <button type="button" class="link-button" onClick={showTenant}>
                Change
              </button>
            </p>
          )
        )}
        <label>
          E-mail
          <input
            ref={focusFirst === 'email' ? firstEmpty : undefined}
            name="email"
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            ref={focusFirst === 'password' ? firstEmpty : undefined}
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
