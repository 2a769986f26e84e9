// One day of the business hours: its opening ranges (two time inputs each,
// Remove), "Add hours", and the day's error (overlapping ranges).
import { addRange, removeRange, setRange, type RangeRow } from '../../settings/form';
import { DAY_NAMES, LIMITS, type Day } from '../../settings/model';
import { FIELD } from '../../settings/validate';
import { FieldError, domId, errorId, fieldAttrs, focusField, type SectionProps } from './fields';

function rangeName(day: Day, index: number): string {
  return index === 0 ? DAY_NAMES[day] : `${DAY_NAMES[day]} range ${index + 1}`;
}

export function DayHours({ day, form, errors, onEdit }: SectionProps & { day: Day }) {
  const rows = form.weekly[day];
  const dayPath = FIELD.day(day);
  const addId = `set-add-${day}`;

  const add = (): void => {
    onEdit(addRange(form, day), dayPath);
    setTimeout(() => focusField(FIELD.range(day, rows.length)), 0);
  };
  const remove = (r: RangeRow): void => {
    onEdit(removeRange(form, day, r.id), dayPath);
    setTimeout(() => document.getElementById(addId)?.focus(), 0);
  };

  return (
    <fieldset class="day" aria-describedby={errors[dayPath] ? errorId(dayPath) : undefined}>
      <legend>{DAY_NAMES[day]}</legend>
      <div class="day-ranges">
        {rows.length === 0 && <span class="muted day-closed">Closed</span>}
        {rows.map((r, i) => {
          const path = FIELD.range(day, i);
          const attrs = fieldAttrs(path, errors);
          const described = [attrs['aria-describedby'], errors[dayPath] ? errorId(dayPath) : null].filter(Boolean).join(' ') || undefined;
          const invalid = attrs['aria-invalid'] ?? (errors[dayPath] ? 'true' : undefined);
          return (
            <div class="range" key={r.id}>
              <label>
                <span class="sr-only">{rangeName(day, i)} </span>from
                <input
                  type="time"
                  step={60}
                  id={domId(path)}
                  data-field={i === 0 ? dayPath : undefined}
                  aria-invalid={invalid}
                  aria-describedby={described}
                  value={r.start}
                  onInput={(e) => onEdit(setRange(form, day, r.id, { start: e.currentTarget.value }), path)}
                />
              </label>
              <label>
                <span class="sr-only">{rangeName(day, i)} </span>to
                <input
                  type="time"
                  step={60}
                  id={`${domId(path)}-end`}
                  aria-invalid={invalid}
                  aria-describedby={described}
                  value={r.end}
                  onInput={(e) => onEdit(setRange(form, day, r.id, { end: e.currentTarget.value }), path)}
                />
              </label>
              {r.end === '00:00' && <span class="muted midnight">midnight</span>}
              <button
                type="button"
                class="small ghost"
                aria-label={`Remove ${rangeName(day, i)} ${r.start}–${r.end}`}
                onClick={() => remove(r)}
              >
                Remove
              </button>
              <FieldError path={path} errors={errors} />
            </div>
          );
        })}
      </div>
      <button
        type="button"
        class="small add-range"
        id={addId}
        data-field={dayPath}
        disabled={rows.length >= LIMITS.rangesPerDay}
        aria-label={`Add hours on ${DAY_NAMES[day]}`}
        onClick={add}
      >
        + Add hours
      </button>
      <FieldError path={dayPath} errors={errors} />
    </fieldset>
  );
}
