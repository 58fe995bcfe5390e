import type { SecretBox } from '../auth/secret-box';
import { AlertTargetService } from './alert-target-service';
import { ConnectionResumeService } from './connection-resume-service';
import { ConnectionService } from './connection-service';
import { ConnectionTestService } from './connection-test';
import { ExportJobService } from './export-job-service';
import { ExportService } from './export-service';
import { IngestService } from './ingest-service';
import { JobPauseService } from './job-pause-service';
import { OperatorService } from './operator-service';
import { ReferenceDataService } from './reference-data-service';

/** The service layer: every rule lives here; GraphQL resolvers and REST handlers only adapt to it. */
export interface Services {
  referenceData: ReferenceDataService;
  operators: OperatorService;
  connections: ConnectionService;
  connectionTests: ConnectionTestService;
  connectionResumes: ConnectionResumeService;
  alertTargets: AlertTargetService;
  jobs: ExportJobService;
  jobPauses: JobPauseService;
  exports: ExportService;
  ingest: IngestService;
}

export interface ServiceDeps {
  secrets: SecretBox;
  /** `JOBOUT_ALLOW_PRIVATE_TARGETS`. */
  allowPrivateTargets: boolean;
  /** `JOBOUT_HTTP_TIMEOUT_MS`: a connection test's step deadline when the connection sets none. */
  httpTimeoutMs: number;
  /** `jobout/<version>`, sent by a connection test's token request as by the sender's. */
  userAgent: string;
}

export function createServices(deps: ServiceDeps): Services {
  const referenceData = new ReferenceDataService();
  const connections = new ConnectionService(deps.secrets, referenceData, { allowPrivateTargets: deps.allowPrivateTargets });
  const jobs = new ExportJobService(referenceData, connections);
  return {
    referenceData,
    operators: new OperatorService(referenceData),
    connections,
    connectionResumes: new ConnectionResumeService(connections),
    alertTargets: new AlertTargetService(referenceData, connections),
    connectionTests: new ConnectionTestService(deps.secrets, connections, { allowPrivateTargets: deps.allowPrivateTargets, httpTimeoutMs: deps.httpTimeoutMs, userAgent: deps.userAgent }),
    jobs,
    jobPauses: new JobPauseService(jobs),
    exports: new ExportService(),
    ingest: new IngestService(),
  };
}
