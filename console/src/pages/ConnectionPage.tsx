/**
 * One client connection: its address, authentication and headers (secrets write-only: only whether one is stored
 * is shown), Save, Delete, and Test connection for the saved settings.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useLocation } from 'wouter';
import { Checkbox, Choices, Confirm } from '../components/Checkbox';
import { Field, FieldGroup } from '../components/Field';
import { ErrorMessage, Loading, Notice } from '../components/Status';
import { Time } from '../components/Time';
import { formErrors, messageOf, useFocusFirstInvalid, type FormErrors } from '../errors';
import { graphql } from '../graphql';
import { AUTH_LABELS, connectionFieldOf, connectionToForm, emptyConnection, formToInput, headerRow, type AuthType, type ConnectionForm } from './connection-form';
import { ConnectionTest } from './ConnectionTest';

const Connection = graphql(`
  query Connection($id: ID!) {
    clientConnection(id: $id) {
      id
      name
      baseUrl
      timeoutMs
      suspendAfterConsecutiveFailures
      maxRequestsPerSecond
      maxConcurrentRequests
      state
      suspendedAt
      storeExternalIds
      headers {
        name
        value
        sensitive
      }
      auth {
        type
        tokenUrl
        clientId
        username
        scope
        hasClientSecret
        hasPassword
      }
    }
  }
`);

const Stores = graphql(`
  query ConnectionStores {
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

const CreateConnection = graphql(`
  mutation CreateConnection($input: ClientConnectionInput!) {
    createClientConnection(input: $input) {
      id
    }
  }
`);

const UpdateConnection = graphql(`
  mutation UpdateConnection($id: ID!, $input: ClientConnectionInput!) {
    updateClientConnection(id: $id, input: $input) {
      id
      updatedAt
      auth {
        hasClientSecret
        hasPassword
      }
      headers {
        name
        value
        sensitive
      }
    }
  }
`);

const ResumeConnection = graphql(`
  mutation ResumeConnection($id: ID!) {
    resumeClientConnection(id: $id) {
      id
      state
      suspendedAt
    }
  }
`);

const DeleteConnection = graphql(`
  mutation DeleteConnection($id: ID!) {
    deleteClientConnection(id: $id)
  }
`);

/** "Stored" or "Not stored", so a secret field tells what leaving it empty means. */
const secretHint = (stored: boolean) => (stored ? 'A value is stored (never shown). Leave empty to keep it.' : 'No value stored.');

export function ConnectionPage({ id }: { id: string | undefined }) {
  const [, navigate] = useLocation();
  const [{ data: stores, error: storesError }] = useQuery({ query: Stores });
  // From the server, not the cache: the form starts from it once and a save replaces the whole connection.
  const [{ data: stored, error: loadError }] = useQuery({ query: Connection, variables: { id: id ?? '' }, pause: id === undefined, requestPolicy: 'network-only' });
  const [form, setForm] = useState<ConnectionForm>();
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  useFocusFirstInvalid(errors);
  const [notice, setNotice] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [creating, create] = useMutation(CreateConnection);
  const [updating, update] = useMutation(UpdateConnection);
  const [deleting, remove] = useMutation(DeleteConnection);
  const [resuming, resumeConnection] = useMutation(ResumeConnection);

  useEffect(() => {
    if (form) return;
    if (id === undefined && stores) setForm(emptyConnection(stores.me.allStores ? [] : stores.me.stores.map((s) => s.externalId)));
    if (id !== undefined && stored) setForm(connectionToForm(stored.clientConnection));
  }, [id, stores, stored, form]);

  const error = storesError ?? loadError;
  if (error) return <ErrorMessage>Could not load the client connection: {messageOf(error)}</ErrorMessage>;
  if (!form || !stores) return <Loading what="the client connection" />;

  const set = (change: Partial<ConnectionForm>) => setForm({ ...form, ...change });
  const fieldError = (key: string) => errors.fields[key];
  const oauth = form.authType !== 'NONE';

  async function save(event: FormEvent) {
    event.preventDefault();
    setNotice(undefined);
    const input = formToInput(form!);
    const result = id === undefined ? await create({ input }) : await update({ id, input });
    if (result.error) return setErrors(formErrors(result.error, connectionFieldOf));
    setErrors({ fields: {} });
    if (result.data && 'createClientConnection' in result.data) {
      navigate(`/connections/${result.data.createClientConnection.id}`);
      return;
    }
    if (result.data && 'updateClientConnection' in result.data) {
      const saved = result.data.updateClientConnection;
      // Secrets just sent are now stored: clear them from the page and show that they are kept.
      set({
        clientSecret: '',
        password: '',
        hasClientSecret: saved.auth.hasClientSecret,
        hasPassword: saved.auth.hasPassword,
        headers: saved.headers.map((h) => headerRow(h.name, h.value ?? '', h.sensitive, h.sensitive)),
      });
    }
    setNotice('Saved.');
  }

  async function deleteConnection() {
    const result = await remove({ id: id! }, { additionalTypenames: ['ClientConnection'] });
    if (result.error) {
      setConfirmDelete(false);
      return setErrors({ fields: {}, general: messageOf(result.error) });
    }
    navigate('/connections');
  }

  const editHeader = (key: number, change: Partial<ConnectionForm['headers'][number]>) => set({ headers: form.headers.map((h) => (h.key === key ? { ...h, ...change } : h)) });

  return (
    <>
      <div className="page-title">
        <h1>{id === undefined ? 'New client connection' : `Client connection: ${stored?.clientConnection.name}`}</h1>
      </div>
      {stored?.clientConnection.state === 'SUSPENDED' && (
        <div role="alert" className="error">
          <p>
            Suspended since <Time value={stored.clientConnection.suspendedAt} /> after failed attempts in a row: its exports wait, and one is sent as a probe every retry
            interval.
          </p>
          <button
            type="button"
            disabled={resuming.fetching}
            onClick={async () => {
              const result = await resumeConnection({ id: id! });
              if (result.error) return setErrors({ fields: {}, general: messageOf(result.error) });
              setNotice('Resumed: its waiting exports are being sent.');
            }}
          >
            Resume connection
          </button>
        </div>
      )}
      <form onSubmit={save} noValidate className="connection-form">
        {errors.general && <ErrorMessage>{errors.general}</ErrorMessage>}
        {notice && <Notice>{notice}</Notice>}
        <Field label="Name" error={fieldError('name')}>
          <input type="text" value={form.name} onChange={(e) => set({ name: e.target.value })} required />
        </Field>
        <Field label="Base URL" error={fieldError('baseUrl')} hint="Job paths are appended to it, e.g. https://erp.example.com/api.">
          <input type="url" value={form.baseUrl} onChange={(e) => set({ baseUrl: e.target.value })} required />
        </Field>
        <Field label="Timeout (ms)" error={fieldError('timeoutMs')} hint="Deadline of each attempt. Empty: the gateway's default.">
          <input type="number" min={1} value={form.timeoutMs} onChange={(e) => set({ timeoutMs: e.target.value })} />
        </Field>
        <Field label="Suspend after consecutive failures" error={fieldError('suspendAfter')} hint="Circuit breaker: after this many failed attempts in a row, exports wait and one is sent as a probe each retry interval. Empty: never.">
          <input type="number" min={1} value={form.suspendAfter} onChange={(e) => set({ suspendAfter: e.target.value })} />
        </Field>
        <Field label="Max requests per second" error={fieldError('maxPerSecond')} hint="From every instance together, one second's burst at most. Empty: no limit.">
          <input type="number" min={1} value={form.maxPerSecond} onChange={(e) => set({ maxPerSecond: e.target.value })} />
        </Field>
        <Field label="Max concurrent requests" error={fieldError('maxConcurrent')} hint="In flight from every instance together. Empty: no limit.">
          <input type="number" min={1} value={form.maxConcurrent} onChange={(e) => set({ maxConcurrent: e.target.value })} />
        </Field>
        <Field label="Authentication" error={fieldError('authType')}>
          <select value={form.authType} onChange={(e) => set({ authType: e.target.value as AuthType })}>
            {(Object.keys(AUTH_LABELS) as AuthType[]).map((type) => (
              <option key={type} value={type}>
                {AUTH_LABELS[type]}
              </option>
            ))}
          </select>
        </Field>
        {oauth && (
          <>
            <Field label="Token URL" error={fieldError('tokenUrl')}>
              <input type="url" value={form.tokenUrl} onChange={(e) => set({ tokenUrl: e.target.value })} />
            </Field>
            <Field label="Client ID" error={fieldError('clientId')}>
              <input type="text" value={form.clientId} onChange={(e) => set({ clientId: e.target.value })} autoComplete="off" />
            </Field>
            <Field label="Client secret" error={fieldError('clientSecret')} hint={secretHint(form.hasClientSecret)}>
              <input type="password" value={form.clientSecret} onChange={(e) => set({ clientSecret: e.target.value })} autoComplete="new-password" />
            </Field>
            {form.authType === 'OAUTH2_PASSWORD' && (
              <>
                <Field label="Username" error={fieldError('username')}>
                  <input type="text" value={form.username} onChange={(e) => set({ username: e.target.value })} autoComplete="off" />
                </Field>
                <Field label="Password" error={fieldError('password')} hint={secretHint(form.hasPassword)}>
                  <input type="password" value={form.password} onChange={(e) => set({ password: e.target.value })} autoComplete="new-password" />
                </Field>
              </>
            )}
            <Field label="Scope" error={fieldError('scope')}>
              <input type="text" value={form.scope} onChange={(e) => set({ scope: e.target.value })} />
            </Field>
          </>
        )}
        <FieldGroup legend="Headers" error={fieldError('headers')} hint="Sent with every request. Sensitive values are encrypted and never shown again.">
          {form.headers.map((header, index) => (
            <div className="header-row" key={header.key}>
              <input type="text" aria-label={`Header ${index + 1} name`} value={header.name} onChange={(e) => editHeader(header.key, { name: e.target.value })} />
              <input
                type={header.sensitive ? 'password' : 'text'}
                aria-label={`Header ${index + 1} value`}
                placeholder={header.sensitive && header.stored ? 'Stored: leave empty to keep' : undefined}
                value={header.value}
                onChange={(e) => editHeader(header.key, { value: e.target.value })}
                autoComplete="off"
              />
              <Checkbox label={`Header ${index + 1} is sensitive`} checked={header.sensitive} onChange={(sensitive) => editHeader(header.key, { sensitive })} />
              <button type="button" onClick={() => set({ headers: form.headers.filter((h) => h.key !== header.key) })}>
                Remove header {index + 1}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set({ headers: [...form.headers, headerRow()] })}>
            Add header
          </button>
        </FieldGroup>
        <FieldGroup legend="Owner stores" error={fieldError('storeExternalIds')} hint="None: a global connection (all-stores operators only).">
          <Choices
            options={stores.stores.map((s) => ({ value: s.externalId, label: `${s.name} (${s.externalId})` }))}
            selected={form.storeExternalIds}
            onChange={(storeExternalIds) => set({ storeExternalIds })}
          />
        </FieldGroup>
        <div className="actions">
          <button type="submit" disabled={creating.fetching || updating.fetching}>
            Save
          </button>
          {id !== undefined && (
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          )}
        </div>
        {confirmDelete && (
          <Confirm question="Delete this client connection? It cannot be deleted while a job uses it." busy={deleting.fetching} onConfirm={deleteConnection} onCancel={() => setConfirmDelete(false)} />
        )}
      </form>
      {id !== undefined && <ConnectionTest connectionId={id} />}
    </>
  );
}
