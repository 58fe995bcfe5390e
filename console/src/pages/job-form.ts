/**
 * The job form's state, its conversion from an ExportJob and to an ExportJobInput, and where each server error
 * goes: the form holds every field of CONTRACT §4.
 */
export interface Row {
  key: number;
  a: string;
  b: string;
}

export interface JobForm {
  name: string;
  storeExternalIds: string[];
  objectType: 'ORDER' | 'INCIDENT';
  clientConnectionId: string;
  triggerStatuses: string[];
  allowMultipleExports: boolean;
  httpMethod: 'POST' | 'PUT' | 'PATCH';
  path: string;
  queryParams: Row[];
  mapping: Row[];
  includeCustomFields: boolean;
  supplierExternalIds: string[];
}

let nextRowKey = 1;
export const row = (a = '', b = ''): Row => ({ key: nextRowKey++, a, b });

export const emptyJob = (storeExternalIds: string[]): JobForm => ({
  name: '',
  storeExternalIds,
  objectType: 'ORDER',
  clientConnectionId: '',
  triggerStatuses: [],
  allowMultipleExports: false,
  httpMethod: 'POST',
  path: '/',
  queryParams: [],
  mapping: [],
  includeCustomFields: false,
  supplierExternalIds: [],
});

interface StoredJob {
  name: string;
  storeExternalIds: string[];
  objectType: 'ORDER' | 'INCIDENT';
  clientConnectionId: string;
  triggerStatuses: string[];
  allowMultipleExports: boolean;
  apiCall: { httpMethod: 'POST' | 'PUT' | 'PATCH'; path: string; queryParams: { name: string; value: string }[] };
  mapping: { source: string; target: string }[];
  includeCustomFields: boolean;
  suppliers: { externalId: string }[];
}

export const jobToForm = (job: StoredJob): JobForm => ({
  name: job.name,
  storeExternalIds: job.storeExternalIds,
  objectType: job.objectType,
  clientConnectionId: job.clientConnectionId,
  triggerStatuses: job.triggerStatuses,
  allowMultipleExports: job.allowMultipleExports,
  httpMethod: job.apiCall.httpMethod,
  path: job.apiCall.path,
  queryParams: job.apiCall.queryParams.map((p) => row(p.name, p.value)),
  mapping: job.mapping.map((m) => row(m.source, m.target)),
  includeCustomFields: job.includeCustomFields,
  supplierExternalIds: job.suppliers.map((s) => s.externalId),
});

export const formToInput = (form: JobForm) => ({
  name: form.name,
  storeExternalIds: form.storeExternalIds,
  exportMethod: 'API_CLIENT' as const,
  objectType: form.objectType,
  clientConnectionId: form.clientConnectionId,
  triggerStatuses: form.triggerStatuses,
  allowMultipleExports: form.allowMultipleExports,
  apiCall: { httpMethod: form.httpMethod, path: form.path, queryParams: form.queryParams.map((p) => ({ name: p.a, value: p.b })) },
  mapping: form.mapping.map((m) => ({ source: m.a, target: m.b })),
  includeCustomFields: form.includeCustomFields,
  supplierExternalIds: form.supplierExternalIds,
});

/** The form field a server error path belongs to (`apiCall.path` → path, `mapping[1].source` → mapping). */
export function jobFieldOf(field: string): string | undefined {
  const top = field.replace(/^input\./, '').split(/[.[]/)[0];
  if (top === 'apiCall') {
    const inner = field.replace(/^input\./, '').split('.')[1]?.split('[')[0];
    return inner === 'httpMethod' || inner === 'path' || inner === 'queryParams' ? inner : 'path';
  }
  const known = ['name', 'storeExternalIds', 'objectType', 'clientConnectionId', 'triggerStatuses', 'allowMultipleExports', 'mapping', 'includeCustomFields', 'supplierExternalIds'];
  return known.includes(top) ? top : undefined;
}
