/** The plan schema of a `service` component: a service run by commands and checked over HTTP (app servers, search or database nodes, load balancers). */
import { z } from 'zod';
import { driver, stepTuning } from '../kit/schema/fields';
import { TIERS } from '../../domain';

/** A service run by commands and checked over HTTP: app servers, search or database nodes, load balancers. */
const serviceSite = z.strictObject({
  health: driver.optional(),
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
  maintenanceOn: driver.optional(),
  maintenanceOff: driver.optional(),
});

export const serviceComponent = z.strictObject({
  kind: z.literal('service'),
  tier: z.enum(TIERS).default('app'),
  description: z.string().optional(),
  ...stepTuning,
  primary: serviceSite,
  secondary: serviceSite,
});
