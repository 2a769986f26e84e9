// Widget appearance: colour, position, greeting, offline greeting, locale.
// The preview beside the form (WidgetPreview) follows every key stroke.
import { LIMITS } from '../../settings/model';
import { WIDGET_LANGUAGES } from '../../settings/preview';
import { FIELD, isHexColor } from '../../settings/validate';
import { FieldError, Hint, fieldAttrs, type SectionProps } from './fields';

const LOCALE_HINTS = ['en', 'en-GB', 'en-US', 'fr', 'fr-CA', 'fr-FR'];

function languageName(locale: string): string | null {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(locale.trim()) ?? null;
  } catch {
    return null;
  }
}

export function WidgetSection({ form, errors, onEdit }: SectionProps) {
  const set = (change: Partial<typeof form>, path: string) => onEdit({ ...form, ...change }, path);
  const language = languageName(form.locale);
  const translated = WIDGET_LANGUAGES.includes(form.locale.trim().toLowerCase().split('-')[0] ?? '');
  return (
    <section class="settings-section" aria-labelledby="settings-widget">
      <h3 id="settings-widget">Widget appearance</h3>

      <div class="field">
        <label for="set-widget-color">Colour</label>
        <div class="color-row">
          <input
            type="color"
            class="color-swatch"
            aria-label="Colour picker"
            value={isHexColor(form.color) ? form.color.trim().toLowerCase() : '#2563eb'}
            onInput={(e) => set({ color: e.currentTarget.value }, FIELD.color)}
          />
          <input
            {...fieldAttrs(FIELD.color, errors, { hint: true })}
            type="text"
            class="color-text"
            value={form.color}
            maxLength={7}
            spellcheck={false}
            autocomplete="off"
            onInput={(e) => set({ color: e.currentTarget.value }, FIELD.color)}
          />
        </div>
        <Hint path={FIELD.color}>The launcher, the header and the send button. # and six hex digits, e.g. #2563eb.</Hint>
        <FieldError path={FIELD.color} errors={errors} />
      </div>

      <fieldset class="field choices-inline">
        <legend>Position</legend>
        {(['right', 'left'] as const).map((position, i) => (
          <label key={position}>
            <input
              type="radio"
              name="widget-position"
              data-field={i === 0 ? FIELD.position : undefined}
              checked={form.position === position}
              onChange={() => set({ position }, FIELD.position)}
            />
            Bottom {position}
          </label>
        ))}
        <FieldError path={FIELD.position} errors={errors} />
      </fieldset>

      <div class="field">
        <label for="set-widget-greeting">Greeting</label>
        <textarea
          {...fieldAttrs(FIELD.greeting, errors, { hint: true })}
          rows={2}
          maxLength={LIMITS.greeting}
          value={form.greeting}
          onInput={(e) => set({ greeting: e.currentTarget.value }, FIELD.greeting)}
        />
        <Hint path={FIELD.greeting}>
          The first message a visitor sees while an agent is online; empty shows none. {form.greeting.length}/{LIMITS.greeting}
        </Hint>
        <FieldError path={FIELD.greeting} errors={errors} />
      </div>

      <div class="field">
        <label for="set-widget-offlineGreeting">Offline greeting</label>
        <textarea
          {...fieldAttrs(FIELD.offlineGreeting, errors, { hint: true })}
          rows={2}
          maxLength={LIMITS.greeting}
          value={form.offlineGreeting}
          onInput={(e) => set({ offlineGreeting: e.currentTarget.value }, FIELD.offlineGreeting)}
        />
        <Hint path={FIELD.offlineGreeting}>
          Shown instead when nobody is online or outside business hours. {form.offlineGreeting.length}/{LIMITS.greeting}
        </Hint>
        <FieldError path={FIELD.offlineGreeting} errors={errors} />
      </div>

      <div class="field">
        <label for="set-widget-locale">Language</label>
        <input
          {...fieldAttrs(FIELD.locale, errors, { hint: true })}
          type="text"
          class="short"
          list="locale-options"
          value={form.locale}
          maxLength={5}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => set({ locale: e.currentTarget.value }, FIELD.locale)}
        />
        <datalist id="locale-options">
          {LOCALE_HINTS.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
        <Hint path={FIELD.locale}>
          {language && language !== form.locale.trim() ? `${language}. ` : ''}A code such as en, fr or fr-CA, the language of your
          greetings. The widget has its own texts in English and French
          {translated ? '.' : '; in any other language it uses the visitor\u2019s (English or French) and its own greetings.'}
        </Hint>
        <FieldError path={FIELD.locale} errors={errors} />
      </div>
    </section>
  );
}
