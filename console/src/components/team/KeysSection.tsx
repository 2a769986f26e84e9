// The API keys section: create a public or secret key (the whole key shown
// once, with Copy), and the table of the tenant's keys (prefix, kind,
// created, last used, status) with Revoke, which asks first.
import { API_KEY_KINDS, type ApiKeyInfo } from '../../lib/types';
import type { KeysManager, KeysState } from '../../team/keys';
import { KIND_HINT, KIND_WORD, keyStatus, when } from '../../team/present';
import { OnceBox } from './OnceBox';
import { keyControlId, keysFocusId } from './ids';
import { useFocus, useModel } from './useModel';

function KeyRow({ k, state, manager }: { k: ApiKeyInfo; state: KeysState; manager: KeysManager }) {
  const confirming = state.confirming === k.prefix;
  const questionId = `team-revoke-question-${k.prefix}`;
  const error = state.rowErrors[k.prefix];
  return (
    <>
      <tr data-key-prefix={k.prefix} class={k.revokedAt ? 'team-disabled' : undefined}>
        <td>
          <code>{k.prefix}</code>
        </td>
        <td>{KIND_WORD[k.kind]}</td>
        <td>{k.createdAt && <time dateTime={k.createdAt}>{when(k.createdAt)}</time>}</td>
        <td>{k.lastUsedAt ? <time dateTime={k.lastUsedAt}>{when(k.lastUsedAt)}</time> : <span class="muted">Never</span>}</td>
        <td>
          <span class={`badge team-status ${k.revokedAt ? 'team-status-disabled' : ''}`}>{keyStatus(k)}</span>
        </td>
        <td>
          {!k.revokedAt && !confirming && (
            <button type="button" class="small" id={keyControlId(k.prefix, 'revoke')} aria-label={`Revoke key ${k.prefix}`} onClick={() => manager.askRevoke(k.prefix)}>
              Revoke
            </button>
          )}
        </td>
      </tr>
      {confirming && (
        <tr class="team-confirm-row">
          <td colSpan={6}>
            <div class="wh-confirm" role="group" aria-labelledby={questionId} onKeyDown={(e) => e.key === 'Escape' && manager.cancelRevoke()}>
              <p id={questionId}>
                Revoke {k.prefix}? Requests with it are refused at once. Sockets opened with this key are disconnected within seconds.
                This cannot be undone.
              </p>
              <button type="button" class="danger" aria-describedby={questionId} onClick={() => void manager.confirmRevoke(k.prefix)}>
                {state.revoking === k.prefix ? 'Revoking…' : 'Yes, revoke'}
              </button>
              <button type="button" id={keyControlId(k.prefix, 'cancelRevoke')} aria-describedby={questionId} onClick={() => manager.cancelRevoke()}>
                Cancel
              </button>
            </div>
          </td>
        </tr>
      )}
      {error && (
        <tr class="team-error-row">
          <td colSpan={6}>
            <p class="error" role="alert">
              {error}
            </p>
          </td>
        </tr>
      )}
    </>
  );
}

export function KeysSection({ manager }: { manager: KeysManager }) {
  const state = useModel(manager);
  useFocus(state.focus, keysFocusId);
  const created = state.created;
  return (
    <section class="team-section" aria-labelledby="team-keys-title">
      <h3 id="team-keys-title" tabIndex={-1}>
        API keys {state.phase === 'ready' && <span class="count">({state.keys.filter((k) => !k.revokedAt).length} active)</span>}
      </h3>
      <p class="wh-status" role="status" aria-live="polite" data-testid="team-keys-status">
        {state.announcement}
      </p>
      {created && (
        <OnceBox
          id="team-key"
          title={`New ${KIND_WORD[created.kind].toLowerCase()} key`}
          label={`${KIND_WORD[created.kind]} key ${created.prefix}`}
          value={created.key}
          warning={<strong>Copy it now: it is not shown again.</strong>}
          dismiss="I have copied it, hide the key"
          onDismiss={() => manager.dismissCreated()}
          testId="team-key-once"
        />
      )}
      <form
        class="team-key-form"
        aria-labelledby="team-key-form-title"
        onSubmit={(e) => {
          e.preventDefault();
          void manager.create();
        }}
      >
        <fieldset class="choices">
          <legend id="team-key-form-title">Create a key</legend>
          {API_KEY_KINDS.map((kind) => (
            <div key={kind}>
              <label>
                <input type="radio" name="team-key-kind" id={`team-key-kind-${kind}`} value={kind} checked={state.kind === kind} onChange={() => manager.setKind(kind)} aria-describedby={`team-key-hint-${kind}`} />
                {KIND_WORD[kind]}
              </label>
              <p id={`team-key-hint-${kind}`} class="hint choice-hint">
                {KIND_HINT[kind]}
              </p>
            </div>
          ))}
        </fieldset>
        <div class="wh-actions">
          <button type="submit" id="team-key-create" class="primary" aria-disabled={state.creating ? 'true' : undefined}>
            {state.creating ? 'Creating…' : 'Create key'}
          </button>
          {state.formError && (
            <p class="error" role="alert">
              {state.formError}
            </p>
          )}
        </div>
      </form>

      {state.phase === 'loading' && <p role="status">Loading the keys…</p>}
      {state.phase === 'failed' && (
        <div class="settings-failed">
          <p class="error" role="alert" data-testid="team-keys-error">
            {state.loadError}
          </p>
          <button type="button" onClick={() => void manager.load()}>
            Try again
          </button>
        </div>
      )}
      {state.phase === 'ready' &&
        (state.keys.length === 0 ? (
          <p class="muted">No API keys yet.</p>
        ) : (
          <div class="wh-table-scroll">
            <table class="wh-table team-table" data-testid="team-keys">
              <caption>The tenant's API keys (only their prefix: a key is shown once, when it is created)</caption>
              <thead>
                <tr>
                  <th scope="col">Prefix</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="sr-only">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.keys.map((k) => (
                  <KeyRow key={k.prefix} k={k} state={state} manager={manager} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
