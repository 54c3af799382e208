// A module resolution hook (node:module register()) that answers `import ... from 'electron'` with
// electron-stub.ts, but only for importers inside the given folders (the app's own electron/ and
// dist/electron/); every other specifier and importer resolves as usual.
import type { InitializeHook, ResolveHook } from 'node:module';

export interface ElectronHookData {
  /** URL of the stub module. */
  readonly stub: string;
  /** URL prefixes (folders, ending in "/") of the importers that get the stub. */
  readonly scopes: readonly string[];
}

let settings: ElectronHookData = { stub: '', scopes: [] };

export const initialize: InitializeHook<ElectronHookData> = (data) => {
  settings = data;
};

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  const parent = context.parentURL;
  if (specifier === 'electron' && parent !== undefined && settings.scopes.some((scope) => parent.startsWith(scope))) return { url: settings.stub, shortCircuit: true };
  return nextResolve(specifier, context);
};
