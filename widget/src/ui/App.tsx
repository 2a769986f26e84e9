import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatController, ChatState, ViewMessage } from '../chat';
import { errorText, type Strings } from '../i18n';
import { Composer } from './Composer';
import { MessageList } from './MessageList';

export interface AppProps {
  controller: ChatController;
  strings: Strings;
  title: string;
  greeting: string;
  position: 'left' | 'right';
  hideLauncher: boolean;
}

function useChatState(controller: ChatController): ChatState {
  const [state, setState] = useState(controller.state);
  useEffect(() => {
    setState(controller.state);
    return controller.subscribe(setState);
  }, [controller]);
  return state;
}

function announcement(message: ViewMessage | null, strings: Strings): string {
  if (!message) return '';
  const from = message.sender === 'system' ? strings.system : message.senderName || strings.agent;
  return strings.newMessage(from, message.text);
}

function ChatIcon() {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true">
      <path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.5L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" />
    </svg>
  );
}

export function App({ controller, strings, title, greeting, position, hideLauncher }: AppProps) {
  const state = useChatState(controller);
  const root = useRef<HTMLDivElement>(null);
  const launcher = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const wasOpen = useRef(state.open);
  const everOnline = useRef(false);
  if (state.connection === 'online') everOnline.current = true;

  // Focus follows the panel: into the message box on open, back to the
  // launcher on close (only if focus was inside the widget, so a host page
  // closing us programmatically does not steal focus).
  useEffect(() => {
    if (state.open && !wasOpen.current) input.current?.focus();
    if (!state.open && wasOpen.current) {
      const shadow = root.current?.getRootNode() as ShadowRoot | Document | undefined;
      const inside = shadow && 'host' in shadow ? shadow.activeElement !== null : false;
      if (inside || document.activeElement === document.body) launcher.current?.focus();
    }
    wasOpen.current = state.open;
  }, [state.open]);

  // Coming back to the page (tab shown, window focused) reads what the open panel shows.
  useEffect(() => {
    const read = (): void => controller.markRead();
    document.addEventListener('visibilitychange', read);
    window.addEventListener('focus', read);
    return () => {
      document.removeEventListener('visibilitychange', read);
      window.removeEventListener('focus', read);
    };
  }, [controller]);

  const offline = state.connection === 'offline' || (state.connection === 'connecting' && everOnline.current);
  const unreadLabel = state.unread > 0 ? `, ${strings.unread(state.unread)}` : '';

  return (
    <div ref={root} class={`wc-root wc-${position}${state.open ? ' wc-open' : ''}`}>
      <section
        id="wc-panel"
        class="wc-panel"
        role="dialog"
        aria-labelledby="wc-title"
        hidden={!state.open}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            controller.close();
          }
        }}
      >
        <header class="wc-header">
          <h2 id="wc-title">{title}</h2>
          <button type="button" class="wc-close" aria-label={strings.closeChat} onClick={() => controller.close()}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {state.errorCode ? (
          <p class="wc-banner wc-error" role="alert">
            {errorText(strings, state.errorCode)}
          </p>
        ) : offline ? (
          <p class="wc-banner" role="status">
            {strings.offline}
          </p>
        ) : null}
        <MessageList
          messages={state.messages}
          greeting={greeting}
          open={state.open}
          hasOlder={state.hasOlder}
          loading={state.loadingHistory}
          seenUpTo={state.seenUpTo}
          strings={strings}
          onLoadOlder={() => void controller.loadOlder()}
          onRetry={(key) => controller.retry(key)}
        />
        <div class="wc-typing-slot" role="status">
          {state.agentTyping ? <span class="wc-typing">{strings.agentTyping}</span> : null}
        </div>
        <Composer
          strings={strings}
          inputRef={input}
          onSend={(text) => controller.send(text)}
          onTyping={() => controller.typing()}
        />
      </section>
      {hideLauncher ? null : (
        <button
          ref={launcher}
          type="button"
          class="wc-launcher"
          aria-label={(state.open ? strings.closeChat : strings.openChat) + unreadLabel}
          aria-expanded={state.open}
          aria-controls="wc-panel"
          onClick={() => controller.toggle()}
        >
          <ChatIcon />
          {state.unread > 0 ? (
            <span class="wc-badge" aria-hidden="true">
              {state.unread > 99 ? '99+' : state.unread}
            </span>
          ) : null}
        </button>
      )}
      <div class="wc-sr-only" aria-live="polite" aria-atomic="true">
        {announcement(state.latestIncoming, strings)}
      </div>
    </div>
  );
}
