// Every workflow the worker bundles. Workflow code is deterministic: no I/O, clocks or randomness.
export { taskWorkflow, attemptSignal } from './task.js';
export { certificateRenewWorkflow, certificateCheckWorkflow, certificateTemporaryWorkflow } from './certificates.js';
export { logsProcessWorkflow } from './logs.js';
