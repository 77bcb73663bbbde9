/**
 * The wire protocol of `/code-interp/chat` and the status request, one module
 * per area (see docs/protocol.md, which is authoritative).
 */

export * from './context';
export * from './conversations';
export * from './files';
export * from './frames';
export * from './notebookActions';
export * from './status';
export * from './turns';
