// The audit log section: who did what, newest first (time, actor, action,
// target), filtered in the browser by action text and actor kind, with
// "Load older" for the next page.
import type { AuditManager } from '../../team/audit';
import { actorText, plural, targetText, whenExact, type ActorFilter } from '../../team/present';
import type { TeamAgent } from '../../lib/types';
import { auditFocusId } from './ids';
import { useFocus, useModel } from './useModel';

const ACTOR_CHOICES: ReadonlyArray<[ActorFilter, string]> = [
  ['all', 'Everyone'],
  ['agent', 'Agents'],
  ['key', 'API keys'],
  ['cli', 'Command line'],
];

export function AuditSection({ manager, agents }: { manager: AuditManager; agents: readonly TeamAgent[] }) {
  const state = useModel(manager);
  useFocus(state.focus, auditFocusId);
  const shown = manager.shown;
  const total = state.entries.length;

  return (
    <section class="team-section" aria-labelledby="team-audit-title">
      <h3 id="team-audit-title" tabIndex={-1}>
        Audit log
      </h3>
      <p class="hint">Sign-ins and every change to the tenant's settings, agents, keys and webhooks, newest first.</p>
      <p class="wh-status" role="status" aria-live="polite" data-testid="team-audit-status">
        {state.announcement}
      </p>
      {state.phase === 'loading' && <p role="status">Loading the audit log…</p>}
      {state.phase === 'failed' && (
        <div class="settings-failed">
          <p class="error" role="alert" data-testid="team-audit-error">
            {state.loadError}
          </p>
          <button type="button" onClick={() => void manager.load()}>
            Try again
          </button>
        </div>
      )}
      {state.phase === 'ready' && (
        <>
          <div class="team-filters" role="search" aria-label="Filter the audit log">
            <div class="field">
              <label for="team-audit-action">Action contains</label>
              <input id="team-audit-action" type="search" autoComplete="off" spellcheck={false} placeholder="agent., key.revoked…" value={state.actionFilter} onInput={(e) => manager.setActionFilter((e.currentTarget as HTMLInputElement).value)} />
            </div>
            <div class="field">
              <label for="team-audit-actor">Actor</label>
              <select id="team-audit-actor" value={state.actorFilter} onChange={(e) => manager.setActorFilter((e.currentTarget as HTMLSelectElement).value as ActorFilter)}>
                {ACTOR_CHOICES.map(([value, word]) => (
                  <option key={value} value={value}>
                    {word}
                  </option>
                ))}
              </select>
            </div>
            <p class="hint team-audit-count" role="status" data-testid="team-audit-count">
              {shown.length === total ? `${plural(total, 'entry', 'entries')} loaded.` : `Showing ${shown.length} of ${plural(total, 'loaded entry', 'loaded entries')}.`}
            </p>
          </div>
          {shown.length === 0 ? (
            <p class="muted">{total === 0 ? 'Nothing recorded yet.' : 'No loaded entry matches the filters.'}</p>
          ) : (
            <div class="wh-table-scroll">
              <table class="wh-table team-table" data-testid="team-audit">
                <caption>Audit log, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((e, i) => (
                    <tr key={`${e.at}-${i}`} class="audit-entry" data-actor-kind={e.actor.kind}>
                      <td>
                        <time dateTime={e.at}>{whenExact(e.at)}</time>
                      </td>
                      <td class="team-wrap">{actorText(e.actor, agents)}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td class="team-wrap">{targetText(e.target, agents)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div class="wh-actions">
            {state.nextBefore !== null ? (
              <button type="button" id="team-audit-older" aria-disabled={state.loadingOlder ? 'true' : undefined} onClick={() => void manager.loadOlder()}>
                {state.loadingOlder ? 'Loading…' : 'Load older'}
              </button>
            ) : (
              total > 0 && (
                <p id="team-audit-end" class="muted" tabIndex={-1}>
                  That is the beginning of the log.
                </p>
              )
            )}
            {state.olderError && (
              <p class="error" role="alert">
                {state.olderError}
              </p>
            )}
          </div>
        </>
      )}
    </section>
  );
}
