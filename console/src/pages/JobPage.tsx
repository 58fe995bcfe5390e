/**
 * One export job: every field of CONTRACT §4, the server's validation next to each field, Save, Delete and a
 * Preview of the JSON the saved job would send for an object reference.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useLocation } from 'wouter';
import { Checkbox, Choices, Confirm } from '../components/Checkbox';
import { Field, FieldGroup } from '../components/Field';
import { Health } from '../components/Health';
import { Rows } from '../components/Rows';
import { ErrorMessage, Loading, Notice } from '../components/Status';
import { formErrors, messageOf, useFocusFirstInvalid, type FormErrors } from '../errors';
import { graphql } from '../graphql';
import { emptyJob, formToInput, jobFieldOf, jobToForm, type JobForm } from './job-form';
import { JobPreview } from './JobPreview';

const FormData = graphql(`
  query JobFormData {
    objectTypes {
      objectType
      statuses
      fields
    }
    clientConnections {
      id
      name
    }
    suppliers {
      externalId
      name
    }
    stores {
      externalId
      name
    }
    me {
      allStores
      stores {
        externalId
      }
    }
  }
`);

const Job = graphql(`
  query Job($id: ID!) {
    exportJob(id: $id) {
      id
      name
      storeExternalIds
      objectType
      clientConnectionId
      triggerStatuses
      allowMultipleExports
      apiCall {
        httpMethod
        path
        queryParams {
          name
          value
        }
      }
      mapping {
        source
        target
      }
      includeCustomFields
      paused
      suppliers {
        externalId
        name
      }
      lastSuccessAt
      lastFailureAt
      consecutiveFailures
      failedExports
    }
  }
`);

const CreateJob = graphql(`
  mutation CreateJob($input: ExportJobInput!) {
    createExportJob(input: $input) {
      id
    }
  }
`);

const UpdateJob = graphql(`
  mutation UpdateJob($id: ID!, $input: ExportJobInput!) {
    updateExportJob(id: $id, input: $input) {
      id
      updatedAt
    }
  }
`);

const PauseJob = graphql(`
  mutation PauseJob($id: ID!) {
    pauseExportJob(id: $id) {
      id
      paused
    }
  }
`);

const ResumeJob = graphql(`
  mutation ResumeJob($id: ID!) {
    resumeExportJob(id: $id) {
      id
      paused
    }
  }
`);

const DeleteJob = graphql(`
  mutation DeleteJob($id: ID!) {
    deleteExportJob(id: $id)
  }
`);

export function JobPage({ id }: { id: string | undefined }) {
  const [, navigate] = useLocation();
  const [{ data: options, error: optionsError }] = useQuery({ query: FormData });
  // From the server, not the cache: the form starts from it once and a save replaces the whole job.
  const [{ data: stored, error: jobError }] = useQuery({ query: Job, variables: { id: id ?? '' }, pause: id === undefined, requestPolicy: 'network-only' });
  const [form, setForm] = useState<JobForm>();
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  useFocusFirstInvalid(errors);
  const [notice, setNotice] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saving, create] = useMutation(CreateJob);
  const [updating, update] = useMutation(UpdateJob);
  const [deleting, remove] = useMutation(DeleteJob);
  const [pausing, pause] = useMutation(PauseJob);
  const [resuming, resume] = useMutation(ResumeJob);
  const [paused, setPaused] = useState<boolean>();

  // The form starts from the stored job (or an empty one) once, so a background refetch never overwrites edits.
  useEffect(() => {
    if (form) return;
    if (id === undefined && options) setForm(emptyJob(options.me.allStores ? [] : options.me.stores.map((s) => s.externalId)));
    if (id !== undefined && stored) setForm(jobToForm(stored.exportJob));
  }, [id, options, stored, form]);

  const loadError = optionsError ?? jobError;
  if (loadError) return <ErrorMessage>Could not load the export job: {messageOf(loadError)}</ErrorMessage>;
  if (!form || !options) return <Loading what="the export job" />;

  const set = (change: Partial<JobForm>) => setForm({ ...form, ...change });
  const catalogue = options.objectTypes.find((t) => t.objectType === form.objectType);
  const fieldError = (key: string) => errors.fields[key];

  async function save(event: FormEvent) {
    event.preventDefault();
    setNotice(undefined);
    const input = formToInput(form!);
    const result = id === undefined ? await create({ input }) : await update({ id, input });
    if (result.error) return setErrors(formErrors(result.error, jobFieldOf));
    setErrors({ fields: {} });
    if (id === undefined && result.data && 'createExportJob' in result.data) {
      navigate(`/jobs/${result.data.createExportJob.id}`);
      return;
    }
    setNotice('Saved. The job applies to status changes from now on.');
  }

  async function deleteJob() {
    const result = await remove({ id: id! }, { additionalTypenames: ['ExportJob', 'Export'] });
    if (result.error) {
      setConfirmDelete(false);
      return setErrors({ fields: {}, general: messageOf(result.error) });
    }
    navigate('/jobs');
  }

  return (
    <>
      <div className="page-title">
        <h1>{id === undefined ? 'New export job' : `Export job: ${stored?.exportJob.name}`}</h1>
      </div>
      {stored && (
        <div className="job-status">
          <p>
            <Health {...stored.exportJob} />
          </p>
          <p role="status">
            {(paused ?? stored.exportJob.paused) ? 'Paused: changes are recorded and wait, nothing is sent until it is resumed.' : 'Running.'}
          </p>
          <button
            type="button"
            disabled={pausing.fetching || resuming.fetching}
            onClick={async () => {
              const result = (paused ?? stored.exportJob.paused) ? await resume({ id: id! }) : await pause({ id: id! });
              if (result.error) return setErrors({ fields: {}, general: messageOf(result.error) });
              setPaused(result.data && 'pauseExportJob' in result.data ? result.data.pauseExportJob.paused : result.data?.resumeExportJob.paused);
            }}
          >
            {(paused ?? stored.exportJob.paused) ? 'Resume' : 'Pause'}
          </button>
        </div>
      )}
      <form onSubmit={save} noValidate className="job-form">
        {errors.general && <ErrorMessage>{errors.general}</ErrorMessage>}
        {notice && <Notice>{notice}</Notice>}
        <Field label="Name" error={fieldError('name')}>
          <input type="text" value={form.name} onChange={(e) => set({ name: e.target.value })} required maxLength={255} />
        </Field>
        <Field label="Export method" error={fieldError('exportMethod')}>
          <select value="API_CLIENT" disabled>
            <option value="API_CLIENT">API client (REST call)</option>
          </select>
        </Field>
        <Field label="Object type" error={fieldError('objectType')}>
          <select
            value={form.objectType}
            onChange={(e) => {
              const objectType = e.target.value as JobForm['objectType'];
              const statuses = options.objectTypes.find((t) => t.objectType === objectType)?.statuses ?? [];
              set({ objectType, triggerStatuses: form.triggerStatuses.filter((s) => statuses.includes(s)), allowMultipleExports: objectType === 'ORDER' && form.allowMultipleExports });
            }}
          >
            <option value="ORDER">Order (order logistic)</option>
            <option value="INCIDENT">Incident</option>
          </select>
        </Field>
        <Field label="Connection" error={fieldError('clientConnectionId')} hint={options.clientConnections.length === 0 ? 'Create a client connection first.' : undefined}>
          <select value={form.clientConnectionId} onChange={(e) => set({ clientConnectionId: e.target.value })} required>
            <option value="">Choose a connection</option>
            {options.clientConnections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Trigger statuses" error={fieldError('triggerStatuses')} hint="The job exports an object when it reaches one of these statuses. Hold Ctrl (⌘ on a Mac) to choose several.">
          <select
            multiple
            size={Math.min(10, catalogue?.statuses.length ?? 3)}
            value={form.triggerStatuses}
            onChange={(e) => set({ triggerStatuses: [...e.target.selectedOptions].map((option) => option.value) })}
          >
            {(catalogue?.statuses ?? []).map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </Field>
        <Checkbox
          label="Allow multiple exports"
          checked={form.allowMultipleExports}
          onChange={(allowMultipleExports) => set({ allowMultipleExports })}
          hint="Orders only, with ORDER_DRAFT_ON_HOLD as a trigger status: export each time an order reaches it again."
          error={fieldError('allowMultipleExports')}
        />
        <Field label="HTTP method" error={fieldError('httpMethod')}>
          <select value={form.httpMethod} onChange={(e) => set({ httpMethod: e.target.value as JobForm['httpMethod'] })}>
            <option value="POST">POST</option>
            <option value="PUT">PUT</option>
            <option value="PATCH">PATCH</option>
          </select>
        </Field>
        <Field label="Path" error={fieldError('path')} hint="Appended to the connection's base URL, starting with /.">
          <input type="text" value={form.path} onChange={(e) => set({ path: e.target.value })} required />
        </Field>
        <Rows
          legend="Query parameters"
          names={['Parameter', 'Value']}
          addLabel="Add query parameter"
          rows={form.queryParams}
          onChange={(queryParams) => set({ queryParams })}
          error={fieldError('queryParams')}
        />
        <Rows
          legend="Mapping"
          names={['Source', 'Target']}
          addLabel="Add mapping row"
          rows={form.mapping}
          onChange={(mapping) => set({ mapping })}
          suggestions={catalogue?.fields}
          hint="Each row copies a field of the object (source) to a place in the body (target, e.g. lines[].ean). No rows: the documented payload is sent."
          error={fieldError('mapping')}
        />
        <Checkbox
          label="Include custom fields"
          checked={form.includeCustomFields}
          onChange={(includeCustomFields) => set({ includeCustomFields })}
          hint="Adds the object's customFields to the documented payload."
          error={fieldError('includeCustomFields')}
        />
        <FieldGroup legend="Suppliers" error={fieldError('supplierExternalIds')} hint="None checked: the job exports for every supplier.">
          <Choices
            options={options.suppliers.map((s) => ({ value: s.externalId, label: `${s.name} (${s.externalId})` }))}
            selected={form.supplierExternalIds}
            onChange={(supplierExternalIds) => set({ supplierExternalIds })}
          />
        </FieldGroup>
        <FieldGroup legend="Owner stores" error={fieldError('storeExternalIds')} hint="The stores whose operators see and run this job. None: a global job (all-stores operators only).">
          <Choices
            options={options.stores.map((s) => ({ value: s.externalId, label: `${s.name} (${s.externalId})` }))}
            selected={form.storeExternalIds}
            onChange={(storeExternalIds) => set({ storeExternalIds })}
          />
        </FieldGroup>
        <div className="actions">
          <button type="submit" disabled={saving.fetching || updating.fetching}>
            Save
          </button>
          {id !== undefined && (
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          )}
        </div>
        {confirmDelete && (
          <Confirm
            question="Delete this export job? Its exports not sent yet are cancelled. This cannot be undone."
            busy={deleting.fetching}
            onConfirm={deleteJob}
            onCancel={() => setConfirmDelete(false)}
          />
        )}
      </form>
      {id !== undefined && <JobPreview jobId={id} />}
    </>
  );
}
