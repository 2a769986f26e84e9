// What every settings input shares: an element id made from the field's
// path (so a server error naming "widget.color" finds #set-widget-color),
// aria-invalid, and aria-describedby pointing at its hint and its error.
import type { ComponentChildren } from 'preact';
import type { SettingsForm } from '../../settings/form';
import type { FieldErrors } from '../../settings/validate';

/** What a section needs to show and change its part of the form. */
export interface SectionProps {
  form: SettingsForm;
  errors: FieldErrors;
  /** The edited form and the path of the field edited. */
  onEdit: (form: SettingsForm, path: string) => void;
}

export function domId(path: string): string {
  return `set-${path.replace(/\./g, '-')}`;
}

export function errorId(path: string): string {
  return `${domId(path)}-error`;
}

export function hintId(path: string): string {
  return `${domId(path)}-hint`;
}

/** The accessibility attributes of the input for `path`. */
export function fieldAttrs(path: string, errors: FieldErrors, opts: { hint?: boolean } = {}) {
  const described = [opts.hint ? hintId(path) : null, errors[path] ? errorId(path) : null].filter(Boolean).join(' ');
  return {
    id: domId(path),
    'aria-invalid': errors[path] ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
}

export function FieldError({ path, errors }: { path: string; errors: FieldErrors }) {
  const text = errors[path];
  if (!text) return null;
  return (
    <p id={errorId(path)} class="field-error">
      {text}
    </p>
  );
}

export function Hint({ path, children }: { path: string; children: ComponentChildren }) {
  return (
    <p id={hintId(path)} class="hint">
      {children}
    </p>
  );
}

/** Move the focus to the input of `path` (or the first element marked with it). */
export function focusField(path: string): void {
  const el = document.getElementById(domId(path)) ?? document.querySelector<HTMLElement>(`[data-field="${path}"]`);
  el?.focus();
}
