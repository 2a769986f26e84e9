// Rate limits (how many messages a visitor session and the whole tenant may
// send), retention (when conversations are erased) and the largest attachment.
import { SIZE_UNITS, attachmentBytes, type RateRow } from '../../settings/form';
import { LIMITS, RATE_UNITS, SHIPPED_RATE_DEFAULTS, type RateKey } from '../../settings/model';
import { FIELD, RATE_COUNT_MAX } from '../../settings/validate';
import { FieldError, Hint, domId, fieldAttrs, hintId, type SectionProps } from './fields';

interface RateText {
  legend: string;
  /** Read before the count and the unit, so each input has a name of its own ("Visitor messages", "Visitor messages per"). */
  who: string;
  purpose: string;
}

const RATE_TEXTS: Record<RateKey, RateText> = {
  visitorMessages: {
    legend: 'Visitor messages per session',
    who: 'Visitor',
    purpose:
      'How many messages (and contact forms) one visitor session may send. Past it the widget asks the visitor to wait (429 rate_limited).',
  },
  tenantMessages: {
    legend: 'Messages of the whole tenant',
    who: 'Tenant',
    purpose:
      'Every message of this tenant together: visitors\u2019, agents\u2019 and your backend\u2019s, on every server. ' +
      'It can only lower the server\u2019s own ceiling: a limit above it is ignored and the server\u2019s applies.',
  },
};

const PLURAL = new Intl.NumberFormat('en');

/** What the server's default is, as far as the console can know: the variable, and its value as shipped. */
function serverDefault(key: RateKey): string {
  const shipped = SHIPPED_RATE_DEFAULTS[key];
  const [count, unit] = shipped.rate.split('/');
  return `Server default: ${shipped.env}, ${PLURAL.format(Number(count))} a ${unit} unless your operator set another.`;
}

function RateField({ form, errors, onEdit, which }: SectionProps & { which: RateKey }) {
  const path = FIELD.rate(which);
  const row = form.rates[which];
  const text = RATE_TEXTS[which];
  const id = domId(path);
  const set = (change: Partial<RateRow>) => onEdit({ ...form, rates: { ...form.rates, [which]: { ...row, ...change } } }, path);
  return (
    <fieldset class="field rate">
      <legend>{text.legend}</legend>
      <div class="choices-inline">
        <label>
          <input
            type="radio"
            name={`rate-${which}`}
            data-field={path}
            checked={!row.custom}
            aria-describedby={hintId(path)}
            onChange={() => set({ custom: false })}
          />
          Server default
        </label>
        <label>
          <input type="radio" name={`rate-${which}`} checked={row.custom} aria-describedby={hintId(path)} onChange={() => set({ custom: true })} />
          Custom limit
        </label>
      </div>
      {row.custom && (
        <div class="inline-row">
          <span>At most</span>
          <input
            {...fieldAttrs(path, errors, { hint: true })}
            type="number"
            class="short"
            inputMode="numeric"
            min={1}
            max={RATE_COUNT_MAX}
            step={1}
            value={row.count}
            onInput={(e) => set({ count: e.currentTarget.value })}
          />
          <label for={id}>
            <span class="sr-only">{text.who} </span>messages
          </label>
          <label for={`${id}-unit`}>
            <span class="sr-only">{text.who} messages </span>per
          </label>
          <select id={`${id}-unit`} value={row.unit} onChange={(e) => set({ unit: e.currentTarget.value as RateRow['unit'] })}>
            {RATE_UNITS.map((unit) => (
              <option key={unit} value={unit}>
                {unit}
              </option>
            ))}
          </select>
        </div>
      )}
      <Hint path={path}>
        {text.purpose} {serverDefault(which)}
      </Hint>
      <FieldError path={path} errors={errors} />
    </fieldset>
  );
}

export function RateLimitsSection(props: SectionProps) {
  return (
    <section class="settings-section" aria-labelledby="settings-rates">
      <h3 id="settings-rates">Rate limits</h3>
      <RateField {...props} which="visitorMessages" />
      <RateField {...props} which="tenantMessages" />
    </section>
  );
}

function sizeNow(bytes: number | null): string {
  return bytes !== null && bytes >= LIMITS.attachmentMinBytes && bytes <= LIMITS.attachmentMaxBytes
    ? ` That is ${PLURAL.format(bytes)} bytes.`
    : '';
}

export function RetentionSection({ form, errors, onEdit }: SectionProps) {
  return (
    <section class="settings-section" aria-labelledby="settings-data">
      <h3 id="settings-data">Retention and attachments</h3>
      <div class="field">
        <label for={domId(FIELD.retentionDays)}>Erase conversations after (days)</label>
        <input
          {...fieldAttrs(FIELD.retentionDays, errors, { hint: true })}
          type="number"
          class="short"
          inputMode="numeric"
          min={LIMITS.retentionMin}
          max={LIMITS.retentionMax}
          step={1}
          value={form.retentionDays}
          onInput={(e) => onEdit({ ...form, retentionDays: e.currentTarget.value }, FIELD.retentionDays)}
        />
        <Hint path={FIELD.retentionDays}>
          A conversation with no activity for this many days ({LIMITS.retentionMin}–{LIMITS.retentionMax}) is erased with its messages,
          attachments and contact details, within an hour of falling due. Leave it blank to keep conversations forever (until erased
          through the API).
        </Hint>
        <FieldError path={FIELD.retentionDays} errors={errors} />
      </div>

      <div class="field">
        <label for={domId(FIELD.maxBytes)}>Largest attachment</label>
        <div class="inline-row">
          <input
            {...fieldAttrs(FIELD.maxBytes, errors, { hint: true })}
            type="number"
            class="short"
            inputMode="numeric"
            min={1}
            step={1}
            value={form.attachmentSize}
            onInput={(e) => onEdit({ ...form, attachmentSize: e.currentTarget.value }, FIELD.maxBytes)}
          />
          <select
            id={`${domId(FIELD.maxBytes)}-unit`}
            aria-label="Largest attachment unit"
            value={form.attachmentUnit}
            onChange={(e) => onEdit({ ...form, attachmentUnit: e.currentTarget.value as typeof form.attachmentUnit }, FIELD.maxBytes)}
          >
            {SIZE_UNITS.map((unit) => (
              <option key={unit} value={unit}>
                {unit}
              </option>
            ))}
          </select>
        </div>
        <Hint path={FIELD.maxBytes}>
          The largest file a visitor or an agent may send, from 1 KiB to 100 MiB (1 MiB is 1,048,576 bytes); a bigger upload is refused
          as it arrives.{sizeNow(attachmentBytes(form))}
        </Hint>
        <FieldError path={FIELD.maxBytes} errors={errors} />
      </div>
    </section>
  );
}
