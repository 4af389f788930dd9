import type { CompiledRegistry } from './compiled-registry';

/** Where resolution reads the registry in force (the service keeps it reloaded). */
export interface RegistrySource {
  current(): CompiledRegistry;
}
