/** Wiring: the only room that knows all the others. */
export { startService, type BoundPorts, type Service } from './service';
export { createMetrics, type ServiceMetrics } from './metrics';
export { buildApiApp } from './api-app';
export { startWatchdog, type Watchdog } from './watchdog';
export { startupSummary, type StartupSummary } from './startup-summary';
