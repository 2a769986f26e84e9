// A conversation's labels: each one with a remove button, and a field to add
// one (suggesting the labels already in use). Labels follow the contract:
// lower case, digits, `-` and `_`, at most 20.
import { useState } from 'preact/hooks';
import { LABEL_PATTERN, MAX_LABELS } from '../../../shared/types';

export interface LabelEditorProps {
  labels: string[];
  known: string[];
  onChange: (labels: string[]) => Promise<boolean>;
}

/** "Billing issue" -> "billing-issue": what an agent types, as a label may be written. */
export function normalizeLabel(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, '-');
}

export function LabelEditor({ labels, known, onChange }: LabelEditorProps) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const change = async (next: string[]): Promise<void> => {
    setBusy(true);
    const ok = await onChange(next);
    setBusy(false);
    if (ok) setDraft('');
  };

  const add = (e: Event): void => {
    e.preventDefault();
    const label = normalizeLabel(draft);
    if (label === '') return;
    if (!LABEL_PATTERN.test(label)) {
      setError('A label is up to 32 lower-case letters, digits, - or _.');
      return;
    }
    if (labels.includes(label)) {
      setDraft('');
      return;
    }
    if (labels.length >= MAX_LABELS) {
      setError(`At most ${MAX_LABELS} labels.`);
      return;
    }
    setError(null);
    void change([...labels, label]);
  };

  const suggestions = known.filter((l) => !labels.includes(l));
  return (
    <div class="labels">
      <ul class="label-list" aria-label="Labels">
        {labels.map((l) => (
          <li key={l} class="tag label-tag">
            {l}
            <button
              type="button"
              class="tag-remove"
              aria-label={`Remove label ${l}`}
              disabled={busy}
              onClick={() => void change(labels.filter((x) => x !== l))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form class="label-add" onSubmit={add}>
        <input
          aria-label="Add a label"
          placeholder="+ label"
          list="known-labels"
          maxLength={40}
          value={draft}
          disabled={busy}
          onInput={(e) => {
            setDraft(e.currentTarget.value);
            setError(null);
          }}
        />
        <datalist id="known-labels">
          {suggestions.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
