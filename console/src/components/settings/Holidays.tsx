// Holidays: local dates closed all day. A date field with Add (Enter in it
// adds too), and each holiday with Remove.
import { useState } from 'preact/hooks';
import { addHoliday, removeHoliday } from '../../settings/form';
import { LIMITS } from '../../settings/model';
import { FIELD, isIsoDate } from '../../settings/validate';
import { FieldError, Hint, domId, fieldAttrs, type SectionProps } from './fields';

function longDate(date: string): string {
  if (!isIsoDate(date)) return date;
  const [y, m, d] = date.split('-').map(Number);
  const format = { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' } as const;
  return new Intl.DateTimeFormat('en-GB', format).format(new Date(Date.UTC(y!, m! - 1, d!)));
}

export function Holidays({ form, errors, onEdit }: SectionProps) {
  const [draft, setDraft] = useState('');
  const [draftError, setDraftError] = useState<string | null>(null);
  const newPath = FIELD.holidays;
  const shownErrors = draftError ? { ...errors, [newPath]: draftError } : errors;

  const add = (): void => {
    if (!isIsoDate(draft)) {
      setDraftError('Enter a date first.');
      return;
    }
    if (form.holidays.length >= LIMITS.holidays) {
      setDraftError(`At most ${LIMITS.holidays} holidays.`);
      return;
    }
    setDraftError(null);
    onEdit(addHoliday(form, draft), newPath);
    setDraft('');
  };
  const remove = (date: string): void => {
    onEdit(removeHoliday(form, date), FIELD.holidays);
    setTimeout(() => document.getElementById(domId(newPath))?.focus(), 0);
  };

  return (
    <div class="holidays" role="group" aria-labelledby="holidays-title">
      <h4 id="holidays-title">Holidays</h4>
      {form.holidays.length === 0 ? (
        <p class="muted">No holidays.</p>
      ) : (
        <ul class="holiday-list">
          {form.holidays.map((date, i) => (
            <li key={date}>
              <span>{longDate(date)}</span>
              <button
                type="button"
                class="small ghost"
                id={domId(FIELD.holiday(i))}
                aria-label={`Remove holiday ${longDate(date)}`}
                onClick={() => remove(date)}
              >
                Remove
              </button>
              <FieldError path={FIELD.holiday(i)} errors={errors} />
            </li>
          ))}
        </ul>
      )}
      <div class="holiday-add">
        <label for={domId(newPath)}>Add a holiday</label>
        <input
          {...fieldAttrs(newPath, shownErrors, { hint: true })}
          type="date"
          class="short"
          value={draft}
          onInput={(e) => {
            setDraft(e.currentTarget.value);
            setDraftError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" class="small" onClick={add}>
          Add
        </button>
      </div>
      <Hint path={newPath}>Closed all day, by the calendar of the time zone above. Enter in the date field adds it.</Hint>
      <FieldError path={newPath} errors={shownErrors} />
    </div>
  );
}
