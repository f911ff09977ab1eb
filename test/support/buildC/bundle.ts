/** Build C's workflow bundle (test/support/buildC/workflows.ts): a build whose drills today's code cannot replay. */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export async function bundleBuildC(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return code;
}
