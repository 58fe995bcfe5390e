interface PagingProps {
  label: string;
  page: number;
  totalPages: number;
  onPage(page: number): void;
}

/** Previous/next for a 0-based page, with where the reader is. */
export function Paging({ label, page, totalPages, onPage }: PagingProps) {
  if (totalPages <= 1) return null;
  return (
    <div className="paging" role="group" aria-label={label}>
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Previous page
      </button>
      <span>
        Page {page + 1} of {totalPages}
      </span>
      <button type="button" disabled={page + 1 >= totalPages} onClick={() => onPage(page + 1)}>
        Next page
      </button>
    </div>
  );
}
