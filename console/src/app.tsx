// Top level: signed out -> the sign-in form; signed in -> the console. An
// expired or refused token comes back here with a notice; drafts stay in
// sessionStorage, so signing in again brings them back.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, login } from './lib/api';
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

  const expire = useCallback(() => {
    clearAuth();
    setNotice('Your session has ended. Sign in again; your drafts are kept.');
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

function SignIn(props: { notice: string | null; onSignedIn: (a: Auth) => void }) {
  const last = lastLogin();
  const [tenantId, setTenantId] = useState(last.tenantId);
  const [email, setEmail] = useState(last.email);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const firstEmpty = useRef<HTMLInputElement>(null);

  useEffect(() => {
    firstEmpty.current?.focus();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const t = tenantId.trim();
      const r = await login(t, email.trim(), password);
      props.onSignedIn({ token: r.token, expiresAt: r.expiresAt, tenantId: t, email: email.trim() });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setError('Wrong tenant, e-mail or password.');
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

  const focusFirst = !last.tenantId ? 'tenant' : !last.email ? 'email' : 'password';
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">webchat agent console</h1>
        {props.notice && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        <label>
          Tenant id
          <input
            ref={focusFirst === 'tenant' ? firstEmpty : undefined}
            name="tenantId"
            autocomplete="organization"
            autocapitalize="none"
            spellcheck={false}
            required
            pattern="[a-z0-9][a-z0-9\-]{1,62}"
            value={tenantId}
            onInput={(e) => setTenantId(e.currentTarget.value)}
          />
        </label>
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
