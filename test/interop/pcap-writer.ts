/**
 * The pcap writer/reader moved to harness/interop/pcap-writer.ts (the capture scripts in harness/
 * and scripts/ use it, and they import nothing from test/); this re-export keeps the tests'
 * imports working.
 */
export * from '../../harness/interop/pcap-writer.js';
