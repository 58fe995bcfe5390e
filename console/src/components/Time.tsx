import { formatTime } from '../format';

/** An instant shown in the browser's time zone, machine-readable in its dateTime attribute. */
export const Time = ({ value }: { value: string | null | undefined }) => (value ? <time dateTime={value}>{formatTime(value)}</time> : <span>—</span>);
