/** Fields of a data-tier site every such kind's schema shares: where its node listens and the commands that stop, start or reboot it. */
import { z } from 'zod';
import { driver } from './fields';

export const host = z.string().min(1).default('127.0.0.1');
/** A TCP port: its one message says what is accepted, whether the value is a string, a fraction or out of range. */
export const port = z.number({ error: 'expected a port number from 1 to 65535' }).int().min(1).max(65535);

/** Process drivers every data-tier site may have; all optional. */
export const processDrivers = {
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
};
