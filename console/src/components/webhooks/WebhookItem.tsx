// One webhook of the list: its URL, description, events and last delivery,
// a Deliveries disclosure (the recent deliveries table) and Delete, which
// asks first.
import type { Webhook } from '../../lib/types';
import type { WebhooksManager, WebhooksState } from '../../webhooks/manager';
import { deliveryBadge, eventsText, when } from '../../webhooks/present';
import { DeliveriesTable } from './DeliveriesTable';
import { confirmId, deleteId, deliveriesId } from './ids';

export interface WebhookItemProps {
  webhook: Webhook;
  state: WebhooksState;
  manager: WebhooksManager;
}

export function WebhookItem({ webhook, state, manager }: WebhookItemProps) {
  const id = webhook.webhookId;
  const badge = deliveryBadge(webhook.lastDelivery);
  const deliveries = state.deliveries[id];
  const confirming = state.confirming === id;
  const deleting = state.deleting === id;
  const error = state.itemErrors[id];
  const questionId = `wh-confirm-question-${id}`;

  return (
    <li class="webhook" data-webhook-id={id}>
      <h4 class="wh-url-text">{webhook.url}</h4>
      {webhook.description && <p class="wh-description">{webhook.description}</p>}
      <dl class="wh-facts">
        <div>
          <dt>Events</dt>
          <dd>{eventsText(webhook.events)}</dd>
        </div>
        <div>
          <dt>Last delivery</dt>
          <dd>
            <span class={`badge wh-badge wh-badge-${badge.tone}`} data-testid="last-delivery">
              {badge.text}
            </span>
            {webhook.lastDelivery?.lastError && <span class="wh-last-error"> {webhook.lastDelivery.lastError}</span>}
          </dd>
        </div>
        {webhook.createdAt && (
          <div>
            <dt>Added</dt>
            <dd>
              <time dateTime={webhook.createdAt}>{when(webhook.createdAt)}</time>
            </dd>
          </div>
        )}
      </dl>

      <div class="wh-item-actions">
        <button
          type="button"
          class="wh-toggle"
          aria-expanded={deliveries ? 'true' : 'false'}
          aria-controls={deliveries ? deliveriesId(id) : undefined}
          onClick={() => void manager.toggleDeliveries(id)}
        >
          {deliveries ? 'Hide deliveries' : 'Deliveries'}
        </button>
        {!confirming && (
          <button type="button" id={deleteId(id)} class="wh-delete" aria-label={`Delete webhook ${webhook.url}`} onClick={() => manager.askDelete(id)}>
            Delete
          </button>
        )}
      </div>

      {confirming && (
        <div
          class="wh-confirm"
          role="group"
          aria-labelledby={questionId}
          onKeyDown={(e) => {
            if (e.key === 'Escape') manager.cancelDelete();
          }}
        >
          <p id={questionId}>Delete this webhook? It stops receiving events at once, and this cannot be undone.</p>
          <button type="button" class="danger" aria-describedby={questionId} onClick={() => void manager.confirmDelete(id)}>
            {deleting ? 'Deleting…' : 'Yes, delete'}
          </button>
          <button type="button" id={confirmId(id)} aria-describedby={questionId} onClick={() => manager.cancelDelete()}>
            Cancel
          </button>
        </div>
      )}

      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      {deliveries && <DeliveriesTable id={deliveriesId(id)} webhook={webhook} view={deliveries} manager={manager} />}
    </li>
  );
}
