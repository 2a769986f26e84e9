// A static picture of the widget (launcher and open panel) drawn from the
// form as typed: no widget script runs here. The mock is hidden from screen
// readers; the caption under it says in words what it shows.
import { useState } from 'preact/hooks';
import type { SettingsForm } from '../../settings/form';
import { previewOf, type PreviewStatus } from '../../settings/preview';

const STATUSES: Array<{ status: PreviewStatus; label: string }> = [
  { status: 'online', label: 'An agent is online' },
  { status: 'away', label: 'Nobody online' },
  { status: 'offline', label: 'Outside business hours' },
];

function caption(form: SettingsForm, status: PreviewStatus, p: ReturnType<typeof previewOf>): string {
  if (!p.launcher) return 'Outside business hours the launcher is hidden (a visitor already in a conversation keeps it).';
  const parts = [`Launcher at the bottom ${p.position} in ${p.color}.`];
  parts.push(p.bubble ? `First message: \u201c${p.bubble}\u201d` : 'No greeting is shown.');
  if (p.contactForm) parts.push('Visitors are asked for their e-mail before they write.');
  if (p.ownWordsBecause === 'no-language') {
    parts.push('No language is set: the widget uses its own words in the visitor\u2019s language; set one for your greetings to show.');
  } else if (p.ownWordsBecause === 'untranslated') {
    parts.push(`The widget has no words in \u201c${form.locale.trim()}\u201d: visitors see its own, in their language, not your greetings.`);
  }
  if (status === 'offline' && !form.hoursOn) parts.push('(Without business hours the widget is never outside hours.)');
  return parts.join(' ');
}

function ChatIcon() {
  return (
    <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z" />
    </svg>
  );
}

// Icons only on the tenant's colour: text there could not always reach 4.5:1
// (the title is large, bold text, for which 3:1 is enough).
function SendIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M3 20l18-8L3 4v6l12 2-12 2z" />
    </svg>
  );
}

export function WidgetPreview({ form }: { form: SettingsForm }) {
  const [status, setStatus] = useState<PreviewStatus>('online');
  const p = previewOf(form, status);
  const accent = { background: p.color, color: p.onColor };
  return (
    <aside class="settings-preview" aria-labelledby="preview-title">
      <h3 id="preview-title">Preview</h3>
      <fieldset class="preview-status">
        <legend>Show the widget as it looks when</legend>
        {STATUSES.map(({ status: s, label }) => (
          <label key={s}>
            <input type="radio" name="preview-status" checked={status === s} onChange={() => setStatus(s)} />
            {label}
          </label>
        ))}
      </fieldset>
      <div class={`mock mock-${p.position}`} aria-hidden="true" data-testid="widget-preview">
        {p.launcher ? (
          <div class="mock-panel" lang={p.lang}>
            <div class="mock-head" style={accent}>
              <span class="mock-title">{p.words.title}</span>
            </div>
            <p class="mock-status">{p.statusLine}</p>
            <div class="mock-body">
              {p.bubble && <p class="mock-bubble">{p.bubble}</p>}
            </div>
            {p.contactForm ? (
              <div class="mock-form">
                <span class="mock-form-title">{p.words.formTitle}</span>
                <span class="mock-field">{p.words.emailLabel}</span>
                <span class="mock-button" style={accent}>
                  <SendIcon />
                </span>
              </div>
            ) : (
              <div class="mock-input">
                <span class="mock-field">{p.words.placeholder}</span>
                <span class="mock-send" style={accent}>
                  <SendIcon />
                </span>
              </div>
            )}
          </div>
        ) : (
          <div class="mock-hidden">No launcher</div>
        )}
        {p.launcher && (
          <div class="mock-launcher" style={accent} data-testid="preview-launcher">
            <ChatIcon />
          </div>
        )}
      </div>
      <p class="preview-caption" data-testid="preview-caption">
        {caption(form, status, p)}
      </p>
    </aside>
  );
}
