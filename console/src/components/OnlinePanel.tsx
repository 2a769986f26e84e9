import { duration, safeHttpUrl, visitorEmail, visitorName } from '../lib/format';
import type { OnlineUser } from '../lib/types';
import { useNow } from './useNow';

export interface OnlinePanelProps {
  users: OnlineUser[];
  onOpen: (sessionId: string, userId: string | null) => void;
}

/** The page a visitor is on: a link only for plain http(s) URLs, text otherwise. */
function PageUrl({ url }: { url: string }) {
  const safe = safeHttpUrl(url);
  if (!safe) return <span class="url">{url}</span>;
  return (
    <a class="url" href={safe} target="_blank" rel="noopener noreferrer nofollow">
      {url}
    </a>
  );
}

export function OnlinePanel({ users, onOpen }: OnlinePanelProps) {
  const now = useNow(1000);
  return (
    <aside class="pane pane-online" aria-labelledby="online-title">
      <div class="pane-head">
        <h2 id="online-title">
          Online now <span class="count">{users.length}</span>
        </h2>
      </div>
      {users.length === 0 && <p class="empty">Nobody is on the site right now.</p>}
      <ul class="online-list" data-testid="online-list">
        {users.map((u) => {
          const email = visitorEmail(u.userInfo);
          return (
            <li key={u.sessionId} class="visitor" data-session-id={u.sessionId}>
              <div class="visitor-top">
                <span class="dot on" aria-hidden="true" />
                <span class="visitor-name">{visitorName(u.userInfo, u.sessionId, null)}</span>
                {u.userId && <span class="badge">logged in</span>}
              </div>
              {email && <div class="visitor-email">{email}</div>}
              <dl class="facts">
                <div>
                  <dt>Tabs</dt>
                  <dd>{u.tabs}</dd>
                </div>
                <div>
                  <dt>On site</dt>
                  <dd>{duration(u.connectedAt, now)}</dd>
                </div>
              </dl>
              {u.url && (
                <div class="visitor-url">
                  <PageUrl url={u.url} />
                </div>
              )}
              <button type="button" class="ghost small" onClick={() => onOpen(u.sessionId, u.userId)}>
                Open conversation
              </button>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
