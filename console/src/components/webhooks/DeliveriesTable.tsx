// A webhook's recent deliveries (newest first, at most 50): one row per
// event (its type over its id, so the table fits beside the form and
// Redeliver stays in view) with its status, attempts, last answer and
// timing, and Redeliver.
import type { Webhook } from '../../lib/types';
import type { DeliveriesView, WebhooksManager } from '../../webhooks/manager';
import { deliveryBadge, timing } from '../../webhooks/present';

export interface DeliveriesTableProps {
  id: string;
  webhook: Webhook;
  view: DeliveriesView;
  manager: WebhooksManager;
}

const STATUS_WORD = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' } as const;

export function DeliveriesTable({ id, webhook, view, manager }: DeliveriesTableProps) {
  const webhookId = webhook.webhookId;
  return (
    <div id={id} class="wh-deliveries" data-testid="deliveries">
      {view.phase === 'loading' && (
        <p role="status" class="muted">
          Loading deliveries…
        </p>
      )}
      {view.phase === 'failed' && (
        <div class="wh-deliveries-failed">
          <p class="error" role="alert">
            {view.error}
          </p>
          <button type="button" onClick={() => void manager.loadDeliveries(webhookId)}>
            Try again
          </button>
        </div>
      )}
      {view.phase !== 'failed' && view.items.length === 0 && view.phase === 'ready' && (
        <p class="muted" role="status">
          No deliveries yet.
        </p>
      )}
      {view.items.length > 0 && (
        <div class="wh-table-scroll">
          <table class="wh-table">
            <caption>Recent deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last status code</th>
                <th scope="col">Last error</th>
                <th scope="col">Next attempt / delivered</th>
                <th scope="col">
                  <span class="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {view.items.map((d) => {
                const busy = view.redelivering.includes(d.eventId);
                return (
                  <tr key={d.eventId} data-event-id={d.eventId}>
                    <td class="wh-event-cell">
                      <code class="wh-event-type">{d.type}</code> <code class="wh-event-id">{d.eventId}</code>
                    </td>
                    <td>
                      <span class={`badge wh-badge wh-badge-${deliveryBadge(d).tone}`}>{STATUS_WORD[d.status]}</span>
                    </td>
                    <td>{d.attempts}</td>
                    <td>{d.lastStatusCode ?? '–'}</td>
                    <td class="wh-error-cell">{d.lastError ?? ''}</td>
                    <td>{timing(d)}</td>
                    <td>
                      <button
                        type="button"
                        class="small"
                        aria-label={`Redeliver ${d.type} ${d.eventId}`}
                        aria-disabled={busy ? 'true' : undefined}
                        onClick={() => void manager.redeliver(webhookId, d.eventId)}
                      >
                        {busy ? 'Redelivering…' : 'Redeliver'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
