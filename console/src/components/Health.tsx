/** A job's delivery health in words (colour only repeats what the words say). */
import { Time } from './Time';

interface HealthProps {
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  consecutiveFailures: number;
  failedExports: number;
}

export function Health({ lastSuccessAt, lastFailureAt, consecutiveFailures, failedExports }: HealthProps) {
  if (consecutiveFailures > 0 || failedExports > 0) {
    const parts = [
      consecutiveFailures > 0 ? `${consecutiveFailures} failed attempt${consecutiveFailures === 1 ? '' : 's'} in a row` : undefined,
      failedExports > 0 ? `${failedExports} failed export${failedExports === 1 ? '' : 's'}` : undefined,
    ].filter(Boolean);
    return (
      <span className="health health-failing">
        Failing: {parts.join(', ')}
        {lastFailureAt && (
          <>
            {' '}
            (last failure <Time value={lastFailureAt} />)
          </>
        )}
      </span>
    );
  }
  if (lastSuccessAt) {
    return (
      <span className="health health-ok">
        Healthy (last success <Time value={lastSuccessAt} />)
      </span>
    );
  }
  return <span className="health health-idle">No attempts yet</span>;
}
