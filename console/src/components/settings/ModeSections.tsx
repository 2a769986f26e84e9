// Offline mode (what the widget does when nobody can answer) and assignment
// (who gets a new conversation, and the default capacity for it).
import { LIMITS, type AssignmentMode, type OfflineMode } from '../../settings/model';
import { FIELD } from '../../settings/validate';
import { FieldError, Hint, fieldAttrs, type SectionProps } from './fields';

interface Choice<T extends string> {
  value: T;
  label: string;
  hint: string;
}

const OFFLINE_CHOICES: Choice<OfflineMode>[] = [
  {
    value: 'chat',
    label: 'Keep the chat open',
    hint: 'Visitors write as usual and see the offline greeting; the answer comes when an agent is back.',
  },
  {
    value: 'form',
    label: 'Ask for an e-mail first',
    hint:
      'While nobody is online, a visitor leaves an e-mail address before the first message, ' +
      'so a reply can reach them by e-mail.',
  },
  {
    value: 'hide',
    label: 'Hide the launcher outside business hours',
    hint:
      'Outside hours the widget does not show (a visitor already in a conversation keeps it); ' +
      'inside hours it works as “Keep the chat open”.',
  },
];

const ASSIGNMENT_CHOICES: Choice<AssignmentMode>[] = [
  {
    value: 'manual',
    label: 'Manual',
    hint: 'New conversations wait under Unassigned until an agent takes one or replies.',
  },
  {
    value: 'auto',
    label: 'Automatic',
    hint: 'A new conversation goes to the online agent with the fewest open conversations, never above their capacity.',
  },
];

interface ChoicesProps<T extends string> {
  name: string;
  path: string;
  legend: string;
  choices: Choice<T>[];
  value: T;
  onPick: (value: T) => void;
}

function Choices<T extends string>(props: ChoicesProps<T>) {
  return (
    <fieldset class="choices">
      <legend>{props.legend}</legend>
      {props.choices.map((c, i) => {
        const hint = `${props.name}-${c.value}-hint`;
        return (
          <div key={c.value}>
            <label>
              <input
                type="radio"
                name={props.name}
                data-field={i === 0 ? props.path : undefined}
                checked={props.value === c.value}
                aria-describedby={hint}
                onChange={() => props.onPick(c.value)}
              />
              {c.label}
            </label>
            <p class="hint choice-hint" id={hint}>
              {c.hint}
            </p>
          </div>
        );
      })}
    </fieldset>
  );
}

export function OfflineSection({ form, errors, onEdit }: SectionProps) {
  return (
    <section class="settings-section" aria-labelledby="settings-offline">
      <h3 id="settings-offline">Offline mode</h3>
      <Choices
        name="offline-mode"
        path={FIELD.offlineMode}
        legend="When nobody can answer"
        choices={OFFLINE_CHOICES}
        value={form.offlineMode}
        onPick={(offlineMode) => onEdit({ ...form, offlineMode }, FIELD.offlineMode)}
      />
      <FieldError path={FIELD.offlineMode} errors={errors} />
    </section>
  );
}

export function AssignmentSection({ form, errors, onEdit }: SectionProps) {
  return (
    <section class="settings-section" aria-labelledby="settings-assignment">
      <h3 id="settings-assignment">Assignment</h3>
      <Choices
        name="assignment"
        path={FIELD.assignment}
        legend="Who gets a new conversation"
        choices={ASSIGNMENT_CHOICES}
        value={form.assignment}
        onPick={(assignment) => onEdit({ ...form, assignment }, FIELD.assignment)}
      />
      <FieldError path={FIELD.assignment} errors={errors} />
      <div class="field">
        <label for="set-agentCapacity">Default capacity</label>
        <input
          {...fieldAttrs(FIELD.agentCapacity, errors, { hint: true })}
          type="number"
          class="short"
          inputMode="numeric"
          min={LIMITS.capacityMin}
          max={LIMITS.capacityMax}
          step={1}
          value={form.agentCapacity}
          onInput={(e) => onEdit({ ...form, agentCapacity: e.currentTarget.value }, FIELD.agentCapacity)}
        />
        <Hint path={FIELD.agentCapacity}>
          Open conversations an agent may hold under automatic assignment ({LIMITS.capacityMin}–{LIMITS.capacityMax}), unless the agent has a
          capacity of their own.
        </Hint>
        <FieldError path={FIELD.agentCapacity} errors={errors} />
      </div>
    </section>
  );
}
