import type { SecretBox } from '../auth/secret-box';
import { ConnectionService } from './connection-service';
import { ExportJobService } from './export-job-service';
import { ExportService } from './export-service';
import { IngestService } from './ingest-service';
import { OperatorService } from './operator-service';
import { ReferenceDataService } from './reference-data-service';

/** The service layer: every rule lives here; GraphQL resolvers and REST handlers only adapt to it. */
export interface Services {
  referenceData: ReferenceDataService;
  operators: OperatorService;
  connections: ConnectionService;
  jobs: ExportJobService;
  exports: ExportService;
  ingest: IngestService;
}

export function createServices(deps: { secrets: SecretBox; allowPrivateTargets: boolean }): Services {
  const referenceData = new ReferenceDataService();
  const connections = new ConnectionService(deps.secrets, referenceData, { allowPrivateTargets: deps.allowPrivateTargets });
  return {
    referenceData,
    operators: new OperatorService(referenceData),
    connections,
    jobs: new ExportJobService(referenceData, connections),
    exports: new ExportService(),
    ingest: new IngestService(),
  };
}
