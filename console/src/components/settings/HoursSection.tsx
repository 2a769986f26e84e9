// Business hours: none (always open while an agent is online) or a time
// zone, opening ranges per day and holidays.
import { useMemo } from 'preact/hooks';
import { copyDay } from '../../settings/form';
import { DAYS } from '../../settings/model';
import { nowIn, timeZoneChoices } from '../../settings/timezones';
import { FIELD } from '../../settings/validate';
import { useNow } from '../useNow';
import { DayHours } from './DayHours';
import { FieldError, Hint, fieldAttrs, type SectionProps } from './fields';
import { Holidays } from './Holidays';

const WEEKDAYS_AFTER_MONDAY = ['tue', 'wed', 'thu', 'fri'] as const;

function TimeZoneField({ form, errors, onEdit }: SectionProps) {
  // The browser's list is the same for the page's life; the saved zone is added if it is missing.
  const zones = useMemo(() => timeZoneChoices(form.timezone), [form.timezone]);
  const now = useNow(30_000);
  const local = nowIn(form.timezone.trim(), new Date(now));
  const set = (timezone: string) => onEdit({ ...form, timezone }, FIELD.timezone);
  return (
    <div class="field">
      <label for="set-businessHours-timezone">Time zone</label>
      {zones ? (
        <select {...fieldAttrs(FIELD.timezone, errors, { hint: true })} value={form.timezone} onChange={(e) => set(e.currentTarget.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...fieldAttrs(FIELD.timezone, errors, { hint: true })}
          type="text"
          value={form.timezone}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => set(e.currentTarget.value)}
        />
      )}
      <Hint path={FIELD.timezone}>
        The hours below are wall-clock times there, summer time included.{local ? ` It is ${local} there now.` : ''}
      </Hint>
      <FieldError path={FIELD.timezone} errors={errors} />
    </div>
  );
}

export function HoursSection(props: SectionProps) {
  const { form, onEdit } = props;
  const setOn = (hoursOn: boolean) => onEdit({ ...form, hoursOn }, FIELD.hours);
  return (
    <section class="settings-section" aria-labelledby="settings-hours">
      <h3 id="settings-hours">Business hours</h3>
      <fieldset class="choices">
        <legend>When can visitors reach the team?</legend>
        <label>
          <input
            type="radio"
            name="hours-on"
            data-field={FIELD.hours}
            checked={!form.hoursOn}
            onChange={() => setOn(false)}
            aria-describedby="hours-off-hint"
          />
          Any time an agent is online
        </label>
        <p class="hint choice-hint" id="hours-off-hint">
          No business hours: the widget shows as online whenever an agent has the console open.
        </p>
        <label>
          <input type="radio" name="hours-on" checked={form.hoursOn} onChange={() => setOn(true)} aria-describedby="hours-on-hint" />
          During business hours
        </label>
        <p class="hint choice-hint" id="hours-on-hint">
          Outside these hours and on holidays the widget shows as offline, even with agents online.
        </p>
      </fieldset>
      <FieldError path={FIELD.hours} errors={props.errors} />

      {form.hoursOn && (
        <div class="hours-editor">
          <TimeZoneField {...props} />
          <div class="week">
            {DAYS.map((day) => (
              <DayHours key={day} day={day} {...props} />
            ))}
          </div>
          <button type="button" class="small" onClick={() => onEdit(copyDay(form, 'mon', WEEKDAYS_AFTER_MONDAY), FIELD.hours)}>
            Copy Monday to Tuesday–Friday
          </button>
          <Holidays {...props} />
        </div>
      )}
    </section>
  );
}
