/** Build B's workflow bundle: today's workflow code with build B's recipes (test/support/buildB/recipes.ts) in place of the real ones. */
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import webpack from 'webpack';

export async function bundleBuildB(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../../workflows'),
    logger: new DefaultLogger('WARN'),
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        new webpack.NormalModuleReplacementPlugin(/kinds[\\/]recipes(\.ts)?$/, path.join(__dirname, 'recipes.ts')),
      ];
      return config;
    },
  });
  return code;
}
