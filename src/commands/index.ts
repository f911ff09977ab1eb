import type { Command } from 'commander';
import { registerAuditCommands } from './audit';
import { registerDeploymentCommands } from './deployment';
import { registerDrillCommands } from './drill';
import { registerEvidenceCommands } from './evidence';
import { registerLabCommands } from './lab';
import { registerPlanCommands } from './plan';
import { registerPrecheckCommands } from './precheck';
import { registerReportCommands } from './report';
import { registerScheduleCommands } from './schedule';
import { registerSlackCommands } from './slack';
import { registerRuntimeCommands } from './runtime';

/** Every command group; a new group adds one line here. */
export function registerCommands(program: Command): void {
  registerRuntimeCommands(program);
  registerDeploymentCommands(program);
  registerPlanCommands(program);
  registerDrillCommands(program);
  registerEvidenceCommands(program);
  registerPrecheckCommands(program);
  registerReportCommands(program);
  registerAuditCommands(program);
  registerSlackCommands(program);
  registerScheduleCommands(program);
  registerLabCommands(program);
}
