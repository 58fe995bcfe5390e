/** Loading, error and empty states a person understands, announced to assistive technology. */
import type { ReactNode } from 'react';

export const Loading = ({ what }: { what: string }) => (
  <p role="status" className="loading">
    Loading {what}…
  </p>
);

export const ErrorMessage = ({ children }: { children: ReactNode }) => (
  <div role="alert" className="error">
    {children}
  </div>
);

export const Empty = ({ children }: { children: ReactNode }) => <p className="empty">{children}</p>;

/** An empty table keeps its column headers (a person, and a screen reader, still learn what it would list). */
export const EmptyRow = ({ columns, children }: { columns: number; children: ReactNode }) => (
  <tr>
    <td colSpan={columns} className="empty">
      {children}
    </td>
  </tr>
);

export const Notice = ({ children }: { children: ReactNode }) => (
  <p role="status" className="notice">
    {children}
  </p>
);
