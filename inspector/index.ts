/**
 * The visual inspector: a self-hosted page that draws every machine of a node (friend sessions
 * and their tasks, the account's announce tasks tox4id and tox6id) from the machine definitions, highlights the
 * active state and the transition just taken, shows the journal as a timeline with time
 * travel, and the candidate transitions with their guards. It also streams the same history
 * in the `@statelyai/inspect` event format for Stately's hosted inspector.
 *
 *   startInspector(target, { port, host })   serve a target (server.ts); its `url` carries the
 *                                            run's access token (access.ts): print that one
 *   liveTarget(nodes, clock)                 a running node (read-only)
 *   simulationTarget(sim, nodes)             engines on the simulated network (Run/Pause/Step)
 *   recordingTarget(report, source)          a capture as the conformance monitor reconstructed
 *                                            it (read-only time travel, violations marked)
 */
export { startInspector, type InspectorOptions, type RunningInspector } from './server.js';
export { liveTarget, simulationTarget, type InspectNode, type InspectTarget } from './target.js';
export { InspectorModel } from './model.js';
export { buildRecording, recordingTarget, type Recording, type RecordingTarget } from './recording.js';
export { RecordingModel } from './recording-model.js';
export { openBrowser, canOpenBrowser } from './open-browser.js';
export { simulatedDemo, udpDemo, type DemoTarget, type DemoTargetOptions } from './demo.js';
