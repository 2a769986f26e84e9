// The webhooks page (admins): add a webhook and see its signing secret once,
// the tenant's webhooks with their last delivery, each one's recent
// deliveries with Redeliver, and Delete. It renders the manager's state
// (webhooks/manager.ts) and calls its methods; server text is always text.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { FocusTarget, WebhooksManager, WebhooksState } from '../../webhooks/manager';
import { SecretBox } from './SecretBox';
import { WebhookForm } from './WebhookForm';
import { WebhookItem } from './WebhookItem';
import { confirmId, deleteId, draftFieldId } from './ids';
import '../settings/settings.css';
import './webhooks.css';

function useManagerState(manager: WebhooksManager): WebhooksState {
  const [state, setState] = useState(manager.state);
  useEffect(() => {
    setState(manager.state);
    return manager.subscribe(setState);
  }, [manager]);
  return state;
}

function targetId(target: FocusTarget): string {
  if (typeof target === 'object') return 'deleteOf' in target ? deleteId(target.deleteOf) : confirmId(target.confirmOf);
  if (target === 'secret') return 'wh-secret-title';
  if (target === 'list') return 'wh-list-title';
  return draftFieldId(target);
}

export interface WebhooksPageProps {
  manager: WebhooksManager;
  onBack: () => void;
}

export function WebhooksPage({ manager, onBack }: WebhooksPageProps) {
  const state = useManagerState(manager);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
    void manager.load();
  }, [manager]);

  useEffect(() => {
    if (state.focus) document.getElementById(targetId(state.focus.target))?.focus();
  }, [state.focus?.seq]);

  // A secret not yet copied is not lost to a closed tab without a warning.
  useEffect(() => {
    if (!state.secret) return undefined;
    const warn = (e: BeforeUnloadEvent): void => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [state.secret]);

  const count = state.webhooks.length;

  return (
    <main class="webhooks" aria-labelledby="webhooks-title">
      <div class="settings-head">
        <button type="button" class="ghost" onClick={onBack}>
          ← Conversations
        </button>
        <h2 id="webhooks-title" ref={heading} tabIndex={-1}>
          Webhooks
        </h2>
        <button type="button" class="wh-refresh" onClick={() => void manager.load(true)} aria-disabled={state.refreshing ? 'true' : undefined}>
          {state.refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p class="hint wh-intro">
        A webhook sends the tenant's events to your server as signed HTTP POST requests (see docs/webhooks.md for checking the
        signature).
      </p>
      <p class="wh-status" role="status" aria-live="polite" data-testid="webhooks-status">
        {state.announcement}
      </p>

      {state.secret && <SecretBox secret={state.secret} onDismiss={() => manager.dismissSecret()} />}

      {state.phase === 'loading' && <p role="status">Loading the webhooks…</p>}
      {state.phase === 'failed' && (
        <div class="settings-failed">
          <p class="error" role="alert" data-testid="webhooks-error">
            {state.loadError}
          </p>
          <button type="button" onClick={() => void manager.load()}>
            Try again
          </button>
        </div>
      )}

      {state.phase === 'ready' && (
        <div class="wh-grid">
          <WebhookForm state={state} manager={manager} />
          <section class="settings-section wh-list-section" aria-labelledby="wh-list-title">
            <h3 id="wh-list-title" tabIndex={-1}>
              Your webhooks <span class="count">({count})</span>
            </h3>
            {count === 0 ? (
              <p class="muted wh-empty">No webhooks yet: add one with the form.</p>
            ) : (
              <ul class="webhook-list">
                {state.webhooks.map((w) => (
                  <WebhookItem key={w.webhookId} webhook={w} state={state} manager={manager} />
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </main>
  );
}
