import { useEffect, useId, useRef } from 'react';

interface CheckboxProps {
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  hint?: string;
  error?: string;
}

/** A checkbox with its label after it, and its hint or error tied to it. */
export function Checkbox({ label, checked, onChange, hint, error }: CheckboxProps) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'checkbox field-invalid' : 'checkbox'}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

interface ChoicesProps {
  options: { value: string; label: string }[];
  selected: string[];
  onChange(selected: string[]): void;
}

/** Checkboxes for a set of values (inside a FieldGroup, which names them). */
export function Choices({ options, selected, onChange }: ChoicesProps) {
  const toggle = (value: string, on: boolean) => onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  return (
    <div className="choices">
      {options.map((option) => (
        <label key={option.value} className="choice">
          <input type="checkbox" checked={selected.includes(option.value)} onChange={(e) => toggle(option.value, e.target.checked)} />
          {option.label}
        </label>
      ))}
    </div>
  );
}

/** An in-page confirmation: the question and the two answers, announced when it appears. */
export function Confirm({ question, onConfirm, onCancel, busy }: { question: string; onConfirm(): void; onCancel(): void; busy?: boolean }) {
  const id = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  // Focus goes to the harmless answer, so that Enter pressed by habit does not confirm.
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div role="alertdialog" aria-labelledby={id} className="confirm" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <p id={id}>{question}</p>
      <button type="button" onClick={onConfirm} disabled={busy} className="danger">
        Confirm
      </button>
      <button type="button" onClick={onCancel} ref={cancel}>
        Cancel
      </button>
    </div>
  );
}
