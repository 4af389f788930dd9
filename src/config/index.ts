/** Configuration: one schema composed from the rooms', loaded from file, environment and flags. */
export { configSchema, type SpanledgerConfig } from './schema';
export { ConfigError, loadConfig, redactConfig, type LoadInputs } from './load';
export { SETTING_SOURCES } from './sources';
export { maskUrlCredentials, maskingDestination } from './mask-credentials';
