import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { availabilityText, isUnattended } from '../availability';
import type { ChatController, ChatState, ViewMessage } from '../chat';
import { errorText, type Strings } from '../i18n';
import { resolveLooks, textColorFor, type LookOptions } from '../looks';
import { filesOf } from './Attachments';
import { Composer } from './Composer';
import { ContactForm } from './ContactForm';
import { EmailPrompt } from './EmailPrompt';
import { MessageList } from './MessageList';
import { Transcript } from './Transcript';

export interface AppProps {
  controller: ChatController;
  /** The page's own options; they win over the tenant's settings. */
  options: LookOptions;
  hideLauncher: boolean;
  /** The browser's languages (tests pass their own). */
  languages?: readonly string[];
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
  const files = message.attachments.map((a) => a.name).join(', ');
  return strings.newMessage(from, [message.text, files].filter(Boolean).join(' '));
}

function ChatIcon() {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true">
      <path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.5L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" />
    </svg>
  );
}

export function App({ controller, options, hideLauncher, languages }: AppProps) {
  const state = useChatState(controller);
  const looks = useMemo(
    () => resolveLooks(options, state.config?.widget ?? null, languages),
    [options, state.config, languages],
  );
  const { strings } = looks;
  const root = useRef<HTMLDivElement>(null);
  const launcher = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const contactEmail = useRef<HTMLInputElement>(null);
  const wasOpen = useRef(state.open);
  const hadForm = useRef(state.contactForm);
  const everOnline = useRef(false);
  const [dropping, setDropping] = useState(false);
  if (state.connection === 'online') everOnline.current = true;
  const firstField = (): HTMLElement | null => (state.contactForm ? contactEmail.current : input.current);

  // Focus follows the panel: into the first field on open, back to the
  // launcher on close (only if focus was inside the widget, so a host page
  // closing us programmatically does not steal focus).
  useEffect(() => {
    if (state.open && !wasOpen.current) firstField()?.focus();
    if (!state.open && wasOpen.current) {
      const shadow = root.current?.getRootNode() as ShadowRoot | Document | undefined;
      const inside = shadow && 'host' in shadow ? shadow.activeElement !== null : false;
      if (inside || document.activeElement === document.body) launcher.current?.focus();
    }
    wasOpen.current = state.open;
  }, [state.open]);

  // The offline form gives way to the composer once the e-mail is taken (or
  // someone comes online): focus follows, rather than falling to the page.
  useEffect(() => {
    if (state.open && hadForm.current !== state.contactForm) {
      const shadow = root.current?.getRootNode() as ShadowRoot | undefined;
      if (!shadow?.activeElement || shadow.activeElement === document.body) firstField()?.focus();
    }
    hadForm.current = state.contactForm;
  }, [state.contactForm, state.open]);

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
  const status = availabilityText(strings, state.availability, state.emailKnown, looks.formatLocale);
  const accent = looks.color ? { '--wc-accent': looks.color, '--wc-on-accent': textColorFor(looks.color) } : undefined;
  const hasStored = state.messages.some((m) => m.messageId !== null);
  const answerPrompt = async (email: string): Promise<boolean> => {
    const taken = await controller.leaveContact(email);
    if (taken) input.current?.focus();
    return taken;
  };

  return (
    <div ref={root} lang={strings.lang} style={accent} class={`wc-root wc-${looks.position}${state.open ? ' wc-open' : ''}`}>
      <section
        id="wc-panel"
        class={`wc-panel${dropping ? ' wc-dropping' : ''}`}
        role="dialog"
        aria-labelledby="wc-title"
        aria-describedby={status ? 'wc-availability' : undefined}
        hidden={!state.open}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            controller.close();
          }
        }}
        // Files dropped anywhere on the panel are attached (not while the offline form shows).
        onDragOver={(event) => {
          if (state.contactForm || !event.dataTransfer?.types.includes('Files')) return;
          event.preventDefault();
          setDropping(true);
        }}
        onDragLeave={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false);
        }}
        onDrop={(event) => {
          setDropping(false);
          const files = filesOf(event.dataTransfer);
          if (state.contactForm || files.length === 0) return;
          event.preventDefault();
          controller.attach(files);
          input.current?.focus();
        }}
      >
        <header class="wc-header">
          <div class="wc-heading">
            <h2 id="wc-title">{looks.title}</h2>
            <p
              id="wc-availability"
              class="wc-availability"
              data-status={state.availability?.status}
              role="status"
              aria-live="polite"
            >
              {status}
            </p>
          </div>
          <button type="button" class="wc-close" aria-label={strings.closeChat} onClick={() => controller.close()}>
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {dropping ? <p class="wc-banner">{strings.dropHint}</p> : null}
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
          greeting={isUnattended(state.availability) ? looks.offlineGreeting : looks.greeting}
          open={state.open}
          hasOlder={state.hasOlder}
          loading={state.loadingHistory}
          seenUpTo={state.seenUpTo}
          strings={strings}
          onLoadOlder={() => void controller.loadOlder()}
          onRetry={(key) => controller.retry(key)}
          childrenKey={state.contactForm ? '' : state.emailPrompt}
        >
          {state.contactForm ? null : (
            <EmailPrompt
              state={state.emailPrompt}
              strings={strings}
              saving={state.contactSaving}
              error={state.contactError}
              email={state.contactEmail}
              onSubmit={answerPrompt}
              onDismiss={() => {
                controller.dismissEmailPrompt();
                input.current?.focus();
              }}
            />
          )}
        </MessageList>
        <div class="wc-typing-slot" role="status">
          {state.agentTyping ? <span class="wc-typing">{strings.agentTyping}</span> : null}
        </div>
        {state.contactForm ? (
          <ContactForm
            strings={strings}
            saving={state.contactSaving}
            error={state.contactError}
            emailRef={contactEmail}
            onSubmit={(email, text) => controller.leaveContact(email, text)}
          />
        ) : (
          <Composer
            strings={strings}
            inputRef={input}
            uploads={state.uploads}
            onSend={(text) => controller.send(text)}
            onTyping={() => controller.typing()}
            onAttach={(files) => controller.attach(files)}
            onRemoveUpload={(key) => controller.removeUpload(key)}
          />
        )}
        {state.emailKnown && hasStored && !state.contactForm ? (
          <Transcript state={state.transcript} strings={strings} onRequest={() => void controller.requestTranscript()} />
        ) : null}
      </section>
      {hideLauncher || !state.launcher ? null : (
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
      <div class="wc-sr-only wc-announcer" aria-live="polite" aria-atomic="true">
        {announcement(state.latestIncoming, strings)}
      </div>
      <div class="wc-sr-only" aria-live="polite">
        {state.emailPrompt === 'asking' && !state.contactForm ? strings.promptTitle : ''}
      </div>
    </div>
  );
}
