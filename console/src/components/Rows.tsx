/** Editable rows of two text fields (query parameters, mapping), each named by its row number. */
import { useId } from 'react';
import { row, type Row } from '../pages/job-form';
import { FieldGroup } from './Field';

interface RowsProps {
  legend: string;
  /** Accessible names of the two fields; the row number is appended ("Source 1"). */
  names: [string, string];
  addLabel: string;
  rows: Row[];
  onChange(rows: Row[]): void;
  /** Offered for the first field (the field catalogue for a mapping source). */
  suggestions?: readonly string[];
  hint?: string;
  error?: string;
}

export function Rows({ legend, names, addLabel, rows, onChange, suggestions, hint, error }: RowsProps) {
  const listId = useId();
  const edit = (key: number, change: Partial<Row>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  return (
    <FieldGroup legend={legend} hint={hint} error={error}>
      {suggestions && (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      {rows.length > 0 && (
        <table className="rows">
          <thead>
            <tr>
              <th scope="col">{names[0]}</th>
              <th scope="col">{names[1]}</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, index) => (
              <tr key={r.key}>
                <td>
                  <input type="text" aria-label={`${names[0]} ${index + 1}`} value={r.a} list={suggestions ? listId : undefined} onChange={(e) => edit(r.key, { a: e.target.value })} />
                </td>
                <td>
                  <input type="text" aria-label={`${names[1]} ${index + 1}`} value={r.b} onChange={(e) => edit(r.key, { b: e.target.value })} />
                </td>
                <td>
                  <button type="button" onClick={() => onChange(rows.filter((x) => x.key !== r.key))} aria-label={`Remove row ${index + 1} of ${legend.toLowerCase()}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={() => onChange([...rows, row()])}>
        {addLabel}
      </button>
    </FieldGroup>
  );
}
