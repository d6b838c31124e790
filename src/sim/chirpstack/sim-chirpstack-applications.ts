import applicationPb from '@chirpstack/chirpstack-api/api/application_pb.js';
import type { GetApplicationRequest } from '@chirpstack/chirpstack-api/api/application_pb.js';
import { DEFAULT_TENANCY } from './sim-chirpstack-integration.js';
import { notFound, parseUuid } from './sim-chirpstack-status.js';

// The simulated ChirpStack's applications: the ids it was given (without a list, any UUID names
// an application, as Create then accepts any), each in a tenant (DEFAULT_TENANCY's unless one is
// given) and named as DEFAULT_TENANCY names the application. Every simulated device belongs to
// the first given application (to every one without a list). ApplicationService.Get answers from
// here (api/application.rs get: Uuid::from_str, then storage::application::get → NotFound).

export interface SimApplicationsOptions {
  applicationIds?: readonly string[];
  /** Tenant id by application id; default DEFAULT_TENANCY.tenantId. */
  applicationTenantIds?: Readonly<Record<string, string>>;
}

export interface SimApplication {
  id: string;
  name: string;
  tenantId: string;
}

export class SimChirpstackApplications {
  constructor(private readonly options: SimApplicationsOptions) {}

  get(id: string): SimApplication {
    const ids = this.options.applicationIds;
    if (ids && !ids.includes(id)) throw notFound(id);
    return { id, name: DEFAULT_TENANCY.applicationName, tenantId: this.options.applicationTenantIds?.[id] ?? DEFAULT_TENANCY.tenantId };
  }

  /** The application the simulated devices belong to: the first given one ('' without a list). */
  devicesApplicationId(): string {
    return this.options.applicationIds?.[0] ?? '';
  }

  /** Whether the simulated devices are this application's. */
  ownsDevices(id: string): boolean {
    const ids = this.options.applicationIds;
    return ids === undefined || ids[0] === id;
  }
}

export function applicationHandlers(applications: SimChirpstackApplications) {
  return {
    get(request: GetApplicationRequest) {
      const application = applications.get(parseUuid(request.getId()));
      const pb = new applicationPb.Application();
      pb.setId(application.id);
      pb.setName(application.name);
      pb.setTenantId(application.tenantId);
      const response = new applicationPb.GetApplicationResponse();
      response.setApplication(pb);
      return response;
    },
  };
}
