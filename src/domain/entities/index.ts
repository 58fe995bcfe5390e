import { ClientConnection } from './client-connection';
import { ExportJob } from './export-job';
import { Operator } from './operator';
import { Store } from './store';
import { Supplier } from './supplier';

export { ClientConnection, ExportJob, Operator, Store, Supplier };
export const ENTITIES = [Store, Supplier, Operator, ClientConnection, ExportJob];
