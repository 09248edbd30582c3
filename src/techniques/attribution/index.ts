export * from './attribution.js';
export * from './noise-tunnel.js';
export * from './path.js';
export * from './prior.js';
