import { registerEnumType } from 'type-graphql';

/** GraphQL enums mirroring the domain's string unions (CONTRACT §3). */
export enum ObjectTypeEnum {
  ORDER = 'ORDER',
  INCIDENT = 'INCIDENT',
}
registerEnumType(ObjectTypeEnum, { name: 'ObjectType', description: 'What an export job exports: an order logistic or an incident' });

export enum ExportMethodEnum {
  API_CLIENT = 'API_CLIENT',
}
registerEnumType(ExportMethodEnum, { name: 'ExportMethod' });

export enum HttpMethodEnum {
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
}
registerEnumType(HttpMethodEnum, { name: 'HttpMethod' });

export enum PermissionEnum {
  ADMIN = 'ADMIN',
  USER = 'USER',
  READER = 'READER',
  INGEST = 'INGEST',
}
registerEnumType(PermissionEnum, {
  name: 'Permission',
  description: 'ADMIN: everything within its stores; USER: read and write jobs and connections; READER: read only; INGEST: only write orders and incidents (an order system), reads nothing',
});

export enum AuthTypeEnum {
  NONE = 'NONE',
  OAUTH2_CLIENT_CREDENTIALS = 'OAUTH2_CLIENT_CREDENTIALS',
  OAUTH2_PASSWORD = 'OAUTH2_PASSWORD',
}
registerEnumType(AuthTypeEnum, { name: 'AuthType' });
