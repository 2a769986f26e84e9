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

function localeHint(locale: string, unset: boolean): string {
  const code = locale.trim();
  if (code === '' && unset) {
    return 'Not set: the widget speaks each visitor\u2019s browser language (English or French) and uses its own greetings. Set the language of your greetings (en, fr, fr-CA…) for them to be shown.';
  }
  const name = languageName(code);
  const named = name && name !== code ? `${name}. ` : '';
  const translated = WIDGET_LANGUAGES.includes(code.toLowerCase().split('-')[0] ?? '');
  return translated
    ? `${named}The language of your greetings; the widget's own words are in it too.`
    : `${named}The widget has words in English and French only: in any other language visitors see its own words in their language, not your greetings.`;
}

function GreetingField(props: SectionProps & { which: 'greeting' | 'offlineGreeting'; label: string; purpose: string }) {
  const { form, errors, onEdit, which } = props;
  const path = FIELD[which];
  const value = form[which];
  const state = value !== '' ? '' : form.unset[which] ? ' Not set: the widget\u2019s own words, in the visitor\u2019s language.' : ' Empty: none is shown.';
  return (
    <div class="field">
      <label for={`set-widget-${which}`}>{props.label}</label>
      <textarea
        {...fieldAttrs(path, errors, { hint: true })}
        rows={2}
        maxLength={LIMITS.greeting}
        value={value}
        onInput={(e) => onEdit({ ...form, [which]: e.currentTarget.value }, path)}
      />
      <Hint path={path}>
        {props.purpose}
        {state} {value.length}/{LIMITS.greeting}
      </Hint>
      <FieldError path={path} errors={errors} />
    </div>
  );
}

export function WidgetSection({ form, errors, onEdit }: SectionProps) {
  const set = (change: Partial<typeof form>, path: string) => onEdit({ ...form, ...change }, path);
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

      <GreetingField
        {...{ form, errors, onEdit }}
        which="greeting"
        label="Greeting"
        purpose="The first message a visitor sees while an agent is online."
      />
      <GreetingField
        {...{ form, errors, onEdit }}
        which="offlineGreeting"
        label="Offline greeting"
        purpose="Shown instead when nobody is online or outside business hours."
      />

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
        <Hint path={FIELD.locale}>{localeHint(form.locale, form.unset.locale)}</Hint>
        <FieldError path={FIELD.locale} errors={errors} />
      </div>
    </section>
  );
}
