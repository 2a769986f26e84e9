// The webhooks page's controller: loads the tenant's webhooks, adds one
// (holding its secret until the admin dismisses it), deletes one after a
// confirmation, loads a webhook's recent deliveries and asks for a
// redelivery. A plain class like settings/editor.ts: the page renders
// `state` and calls these methods; the state survives going back to the desk.
import { ApiError } from '../lib/api';
import { describeError, isUnauthorized } from '../controller/ports';
import type { WebhooksPort } from '../lib/webhooksApi';
import type { Webhook, WebhookDelivery } from '../lib/types';
import { bodyFromDraft, draftServerError, EMPTY_DRAFT, validateDraft, type DraftErrors, type DraftField, type WebhookDraft } from './draft';
import { webhookName } from './present';

export interface DeliveriesView {
  phase: 'loading' | 'ready' | 'failed';
  items: WebhookDelivery[];
  error: string | null;
  /** Event ids with a redelivery request in flight. */
  redelivering: string[];
}

/** Where the page moves the focus next (seq changes each time). */
export type FocusTarget = DraftField | 'secret' | 'list' | { deleteOf: string } | { confirmOf: string };

export interface WebhooksState {
  phase: 'loading' | 'ready' | 'failed';
  loadError: string | null;
  refreshing: boolean;
  webhooks: Webhook[];
  draft: WebhookDraft;
  errors: DraftErrors;
  formError: string | null;
  creating: boolean;
  /** The secret of the webhook just added: shown once, until dismissed. */
  secret: { webhookId: string; url: string; secret: string } | null;
  /** The webhooks whose deliveries are shown, by webhookId. */
  deliveries: Record<string, DeliveriesView>;
  /** The webhook whose Delete waits for a confirmation, and the one being deleted. */
  confirming: string | null;
  deleting: string | null;
  /** A failed delete or redelivery, shown in that webhook's item. */
  itemErrors: Record<string, string>;
  /** The latest result, for the page's polite live region. */
  announcement: string;
  focus: { target: FocusTarget; seq: number } | null;
}

const INITIAL: WebhooksState = {
  phase: 'loading',
  loadError: null,
  refreshing: false,
  webhooks: [],
  draft: EMPTY_DRAFT,
  errors: {},
  formError: null,
  creating: false,
  secret: null,
  deliveries: {},
  confirming: null,
  deleting: null,
  itemErrors: {},
  announcement: '',
  focus: null,
};

/** The server's own words; a bare 404/405 (no error body) means a server without webhooks. */
export function explain(err: unknown): string {
  if (err instanceof ApiError && (err.status === 404 || err.status === 405) && err.message.startsWith('The server answered')) {
    return 'This server does not support webhooks yet.';
  }
  return err instanceof ApiError && err.status !== 0 ? err.message : describeError(err);
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _gone, ...rest } = record;
  return rest;
}

export class WebhooksManager {
  state: WebhooksState = INITIAL;
  readonly #api: WebhooksPort;
  readonly #listeners = new Set<(state: WebhooksState) => void>();
  #seq = 0;
  #loading = false;

  constructor(api: WebhooksPort) {
    this.#api = api;
  }

  subscribe(listener: (state: WebhooksState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(change: Partial<WebhooksState>, focus?: FocusTarget): void {
    this.state = { ...this.state, ...change, ...(focus ? { focus: { target: focus, seq: ++this.#seq } } : {}) };
    for (const listener of this.#listeners) listener(this.state);
  }

  #deliveries(webhookId: string, change: Partial<DeliveriesView>): void {
    const now = this.state.deliveries[webhookId];
    if (!now) return;
    this.#set({ deliveries: { ...this.state.deliveries, [webhookId]: { ...now, ...change } } });
  }

  /** The list, and the deliveries of every webhook whose deliveries are shown; `announce` for the Refresh button. */
  async load(announce = false): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    const first = this.state.phase !== 'ready';
    this.#set(first ? { phase: 'loading', loadError: null } : { refreshing: true });
    try {
      const webhooks = await this.#api.list();
      const kept = Object.fromEntries(Object.entries(this.state.deliveries).filter(([id]) => webhooks.some((w) => w.webhookId === id)));
      this.#set({ phase: 'ready', loadError: null, refreshing: false, webhooks, deliveries: kept, ...(announce ? { announcement: 'Webhooks refreshed.' } : {}) });
      this.#loading = false;
      await Promise.all(Object.keys(kept).map((id) => this.loadDeliveries(id)));
    } catch (err) {
      this.#loading = false;
      const text = isUnauthorized(err) ? '' : explain(err);
      if (first) this.#set({ phase: 'failed', loadError: text || 'Signed out.', refreshing: false });
      else this.#set({ refreshing: false, announcement: `Not refreshed: ${text}` });
    }
  }

  edit(draft: WebhookDraft, field: DraftField): void {
    this.#set({ draft, errors: without(this.state.errors, field), formError: null });
  }

  async create(): Promise<void> {
    if (this.state.creating) return;
    const errors = validateDraft(this.state.draft);
    const first = (['url', 'description', 'events'] as const).find((f) => errors[f]);
    if (first) return this.#set({ errors, formError: null }, first);
    this.#set({ creating: true, errors: {}, formError: null });
    try {
      const { webhook, secret } = await this.#api.create(bodyFromDraft(this.state.draft));
      this.#set(
        {
          creating: false,
          draft: EMPTY_DRAFT,
          webhooks: [...this.state.webhooks.filter((w) => w.webhookId !== webhook.webhookId), webhook],
          secret: { webhookId: webhook.webhookId, url: webhook.url, secret },
          announcement: `Webhook added for ${webhook.url}.`,
        },
        'secret',
      );
    } catch (err) {
      const text = explain(err);
      const refused = err instanceof ApiError && err.status === 422 ? draftServerError(err.message) : { field: null, text };
      if (refused.field) {
        this.#set({ creating: false, errors: { [refused.field]: refused.text } }, refused.field);
      } else {
        this.#set({ creating: false, formError: isUnauthorized(err) ? null : `Not added: ${text}` });
      }
    }
  }

  dismissSecret(): void {
    this.#set({ secret: null }, 'url');
  }

  async toggleDeliveries(webhookId: string): Promise<void> {
    if (this.state.deliveries[webhookId]) {
      this.#set({ deliveries: without(this.state.deliveries, webhookId) });
      return;
    }
    await this.loadDeliveries(webhookId);
  }

  async loadDeliveries(webhookId: string): Promise<void> {
    const before = this.state.deliveries[webhookId];
    const view: DeliveriesView = { phase: 'loading', items: before?.items ?? [], error: null, redelivering: before?.redelivering ?? [] };
    this.#set({ deliveries: { ...this.state.deliveries, [webhookId]: view } });
    try {
      const items = await this.#api.deliveries(webhookId);
      this.#deliveries(webhookId, { phase: 'ready', items });
    } catch (err) {
      this.#deliveries(webhookId, { phase: 'failed', error: explain(err) });
    }
  }

  async redeliver(webhookId: string, eventId: string): Promise<void> {
    const view = this.state.deliveries[webhookId];
    if (!view || view.redelivering.includes(eventId)) return;
    this.#deliveries(webhookId, { redelivering: [...view.redelivering, eventId] });
    this.#set({ itemErrors: without(this.state.itemErrors, webhookId) });
    try {
      const delivery = await this.#api.redeliver(webhookId, eventId);
      const now = this.state.deliveries[webhookId];
      if (now) {
        const items = now.items.map((d) => (d.eventId === eventId ? delivery : d));
        this.#deliveries(webhookId, { items, redelivering: now.redelivering.filter((e) => e !== eventId) });
      }
      const webhooks = this.state.webhooks.map((w) =>
        w.webhookId === webhookId && w.lastDelivery?.eventId === eventId ? { ...w, lastDelivery: delivery } : w,
      );
      this.#set({ webhooks, announcement: `Event ${eventId} queued for redelivery.` });
    } catch (err) {
      const now = this.state.deliveries[webhookId];
      if (now) this.#deliveries(webhookId, { redelivering: now.redelivering.filter((e) => e !== eventId) });
      this.#set({ itemErrors: { ...this.state.itemErrors, [webhookId]: `Not redelivered: ${explain(err)}` } });
    }
  }

  askDelete(webhookId: string): void {
    this.#set({ confirming: webhookId, itemErrors: without(this.state.itemErrors, webhookId) }, { confirmOf: webhookId });
  }

  cancelDelete(): void {
    const id = this.state.confirming;
    this.#set({ confirming: null }, id ? { deleteOf: id } : undefined);
  }

  async confirmDelete(webhookId: string): Promise<void> {
    const webhook = this.state.webhooks.find((w) => w.webhookId === webhookId);
    if (!webhook || this.state.deleting) return;
    this.#set({ deleting: webhookId });
    try {
      await this.#api.remove(webhookId);
      this.#set(
        {
          deleting: null,
          confirming: null,
          webhooks: this.state.webhooks.filter((w) => w.webhookId !== webhookId),
          deliveries: without(this.state.deliveries, webhookId),
          secret: this.state.secret?.webhookId === webhookId ? null : this.state.secret,
          announcement: `Webhook deleted: ${webhookName(webhook)}.`,
        },
        'list',
      );
    } catch (err) {
      const text = `Not deleted: ${explain(err)}`;
      this.#set({ deleting: null, confirming: null, itemErrors: { ...this.state.itemErrors, [webhookId]: text } }, { deleteOf: webhookId });
    }
  }
}
